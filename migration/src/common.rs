//! Column and constraint helpers shared by the domain migrations.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

/// The one place where a migration asks which database it runs on.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl Backend {
    pub fn of(manager: &SchemaManager) -> Result<Self, DbErr> {
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => Ok(Self::Postgres),
            DatabaseBackend::Sqlite => Ok(Self::Sqlite),
            other => Err(DbErr::Migration(format!("unsupported backend {other:?}"))),
        }
    }

    /// A CHECK that needs a regular expression on PostgreSQL and a GLOB/LIKE shape on SQLite.
    pub fn pattern_check(self, postgres: &str, sqlite: &str) -> SimpleExpr {
        match self {
            Self::Postgres => Expr::cust(postgres),
            Self::Sqlite => Expr::cust(sqlite),
        }
    }
}

pub fn uuid_pk<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).uuid().not_null().primary_key().take()
}

pub fn uuid_ref<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).uuid().not_null().take()
}

pub fn timestamp_now<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .not_null()
        .default(Expr::current_timestamp())
        .take()
}

pub fn timestamp_null<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .null()
        .take()
}

pub fn json_default<T: IntoIden>(name: T, default: &str) -> ColumnDef {
    ColumnDef::new(name)
        .json_binary()
        .not_null()
        .default(Expr::cust(format!("'{default}'")))
        .take()
}

/// `CHECK (column IN ('a', 'b'))`, the portable enum.
pub fn one_of(column: &str, values: &[&str]) -> SimpleExpr {
    let list = values
        .iter()
        .map(|v| format!("'{v}'"))
        .collect::<Vec<_>>()
        .join(", ");
    Expr::cust(format!("{column} IN ({list})"))
}

pub fn fk<T: IntoIden + 'static, C: IntoIden, R: IntoIden + 'static, RC: IntoIden>(
    table: T,
    column: C,
    ref_table: R,
    ref_column: RC,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(ref_table, ref_column)
        .on_delete(on_delete)
        .take()
}

pub async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: &str,
    columns: &[&str],
) -> Result<(), DbErr> {
    let mut stmt = Index::create();
    stmt.name(name).table(Alias::new(table));
    for column in columns {
        match column.strip_suffix(" DESC") {
            Some(col) => stmt.col((Alias::new(col), IndexOrder::Desc)),
            None => stmt.col(Alias::new(*column)),
        };
    }
    manager.create_index(stmt).await
}

/// Partial indexes are portable SQL, but sea-query 0.32 cannot build them.
pub async fn raw(manager: &SchemaManager<'_>, sql: &str) -> Result<(), DbErr> {
    manager
        .get_connection()
        .execute_unprepared(sql)
        .await
        .map(|_| ())
}
