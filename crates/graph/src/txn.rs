//! Transactions, begun through [`BeginWrite::begin_write`] so SQLite's one writer is waited for
//! in the process, in order, instead of in SQLite's busy handler.
//!
//! SQLite lets one connection write at a time. A transaction that reaches its first write
//! while another holds the lock sleeps in SQLite's busy handler (1, 2, 5, 10, ... 100 ms) and
//! tries again, however soon the lock frees: sixteen clients updating at once spent most of
//! their time asleep (p99 about 1.1 s) while the lock stood free between commits. Here every
//! transaction on an SQLite database first takes that database's writer gate, a fair
//! (first come, first served) async lock kept per database file, and holds it until it commits
//! or rolls back; the next one starts the moment the lock is free. A gate not taken within
//! [`GATE_WAIT`] is gone around: the transaction then begins anyway and SQLite's own lock and
//! busy timeout decide, as without the gate. The gate only orders writers; it never replaces
//! SQLite's lock, so a writer that does not pass through it (a single statement outside any
//! transaction, another process) is as safe as before.
//!
//! PostgreSQL has row locks and no single writer: there the gate is never taken. A
//! transaction begun inside another is a savepoint and takes no gate either.

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, ExecResult,
    QueryResult, Statement, TransactionTrait,
};
use std::collections::BTreeMap;
use std::ops::Deref;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::{Mutex as Gate, OwnedMutexGuard};

/// How long a transaction waits for its SQLite database's gate before going around it:
/// sqlx's default busy timeout, the time SQLite itself would wait.
pub const GATE_WAIT: Duration = Duration::from_secs(5);

/// Begins a transaction, waiting for SQLite's writer gate where there is one.
pub trait BeginWrite {
    /// `BEGIN` (a savepoint inside a transaction). On SQLite, the transaction holds its
    /// database's writer gate until it commits, rolls back or is dropped.
    fn begin_write(&self) -> impl std::future::Future<Output = Result<WriteTxn, DbErr>> + Send;
}

impl BeginWrite for DatabaseConnection {
    async fn begin_write(&self) -> Result<WriteTxn, DbErr> {
        let gate = match self.get_database_backend() {
            DbBackend::Sqlite => enter(gate_of(self)).await,
            _ => None,
        };
        // Begun after the gate is held: a waiting writer holds no pooled connection.
        let txn = self.begin().await?;
        Ok(WriteTxn { txn, _gate: gate })
    }
}

impl BeginWrite for DatabaseTransaction {
    async fn begin_write(&self) -> Result<WriteTxn, DbErr> {
        let txn = self.begin().await?;
        Ok(WriteTxn { txn, _gate: None })
    }
}

/// A transaction begun by [`BeginWrite::begin_write`]: sea-orm's transaction, plus the SQLite
/// writer gate it holds (none on PostgreSQL). Use it as the transaction (it derefs to one and
/// runs statements itself); dropping it uncommitted rolls back, as sea-orm's does.
pub struct WriteTxn {
    // Declared first so it drops first: the rollback is under way before the gate frees.
    txn: DatabaseTransaction,
    _gate: Option<OwnedMutexGuard<()>>,
}

impl WriteTxn {
    /// Commits, then frees the gate.
    pub async fn commit(self) -> Result<(), DbErr> {
        self.txn.commit().await
    }

    /// Rolls back, then frees the gate.
    pub async fn rollback(self) -> Result<(), DbErr> {
        self.txn.rollback().await
    }
}

impl Deref for WriteTxn {
    type Target = DatabaseTransaction;

    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

impl std::fmt::Debug for WriteTxn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteTxn")
            .field("gated", &self._gate.is_some())
            .finish_non_exhaustive()
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for WriteTxn {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }

    async fn execute(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.txn.execute(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.txn.execute_unprepared(sql).await
    }

    async fn query_one(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.txn.query_one(stmt).await
    }

    async fn query_all(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.txn.query_all(stmt).await
    }

    fn support_returning(&self) -> bool {
        self.txn.support_returning()
    }

    fn is_mock_connection(&self) -> bool {
        self.txn.is_mock_connection()
    }
}

/// Takes `gate`, or gives up after [`GATE_WAIT`].
async fn enter(gate: Arc<Gate<()>>) -> Option<OwnedMutexGuard<()>> {
    let taken = tokio::time::timeout(GATE_WAIT, gate.lock_owned()).await;
    if taken.is_err() {
        tracing::warn!(
            wait_ms = GATE_WAIT.as_millis() as u64,
            "the SQLite writer gate was not free in time; beginning without it"
        );
    }
    taken.ok()
}

/// The gates of the SQLite databases this process has opened, by file: one per database
/// however many pools open it (a server has one; a test run, one per test database).
static GATES: Mutex<BTreeMap<PathBuf, Arc<Gate<()>>>> = Mutex::new(BTreeMap::new());

/// The writer gate of `db`'s SQLite database.
fn gate_of(db: &DatabaseConnection) -> Arc<Gate<()>> {
    let options = db.get_sqlite_connection_pool().connect_options();
    let file = options.get_filename();
    let mut gates = GATES.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(gate) = gates.get(file) {
        return Arc::clone(gate);
    }
    let gate = Arc::new(Gate::new(()));
    gates.insert(file.to_owned(), Arc::clone(&gate));
    gate
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{ConnectOptions, Database};

    async fn sqlite(dir: &tempfile::TempDir, pools: usize) -> Vec<DatabaseConnection> {
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        let mut all = Vec::new();
        for _ in 0..pools {
            let mut options = ConnectOptions::new(&url);
            options.sqlx_logging(false).max_connections(4);
            all.push(Database::connect(options).await.expect("connects"));
        }
        all
    }

    /// A second transaction on the same SQLite file (through another pool, even) waits for the
    /// first to end, and then begins; a savepoint inside the first does not wait.
    #[tokio::test]
    async fn sqlite_transactions_take_turns_per_file() {
        let dir = tempfile::tempdir().expect("dir");
        let pools = sqlite(&dir, 2).await;
        pools[0]
            .execute_unprepared("CREATE TABLE t (n INTEGER)")
            .await
            .expect("table");
        let first = pools[0].begin_write().await.expect("first");
        first
            .execute_unprepared("INSERT INTO t VALUES (1)")
            .await
            .expect("write");
        let inner = first.begin_write().await.expect("a savepoint");
        inner.commit().await.expect("released");

        let db = pools[1].clone();
        let mut second = tokio::spawn(async move {
            let txn = db.begin_write().await.expect("second");
            txn.execute_unprepared("INSERT INTO t VALUES (2)")
                .await
                .expect("write");
            txn.commit().await.expect("commit");
        });
        let waited = tokio::time::timeout(Duration::from_millis(200), &mut second).await;
        assert!(
            waited.is_err(),
            "the second began while the first held the gate"
        );
        first.commit().await.expect("commit");
        second
            .await
            .expect("the second ran once the first committed");

        let other = tempfile::tempdir().expect("dir");
        let elsewhere = sqlite(&other, 1).await;
        let held = pools[0].begin_write().await.expect("held");
        let free = tokio::time::timeout(Duration::from_secs(1), elsewhere[0].begin_write())
            .await
            .expect("another file's gate is its own");
        drop((held, free.expect("begins")));
    }

    /// A transaction dropped without commit rolls back and frees the gate.
    #[tokio::test]
    async fn a_dropped_transaction_frees_the_gate() {
        let dir = tempfile::tempdir().expect("dir");
        let db = sqlite(&dir, 1).await.remove(0);
        db.execute_unprepared("CREATE TABLE t (n INTEGER)")
            .await
            .expect("table");
        let txn = db.begin_write().await.expect("begin");
        txn.execute_unprepared("INSERT INTO t VALUES (1)")
            .await
            .expect("write");
        drop(txn);
        let next = tokio::time::timeout(Duration::from_secs(1), db.begin_write())
            .await
            .expect("the gate was freed")
            .expect("begins");
        let row = next
            .query_one(Statement::from_string(
                DbBackend::Sqlite,
                "SELECT COUNT(*) AS n FROM t",
            ))
            .await
            .expect("count")
            .expect("a row");
        assert_eq!(row.try_get::<i64>("", "n").expect("n"), 0, "rolled back");
    }
}
