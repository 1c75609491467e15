//! The one place that talks to sqlx: statements for both dialects, bound values, rows and
//! transactions over whichever backend the `Store` holds.
//!
//! Every aggregate file (`tips.rs`, `messages.rs`, …) writes its queries once against these
//! types, with each statement's SQL for SQLite and PostgreSQL side by side in one `Sql` value.
//! Most statements are the same text for both: sqlx binds SQLite's `$1` by position as
//! PostgreSQL does. Where the dialects differ (locks, `FOR KEY SHARE`) the constant says so.
//! Values are bound only as parameters (SECURITY.md R25): there is no way here to paste a value
//! into SQL text.

use super::changes::{Changed, CounterChanges};
use super::{Store, StoreError};
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{Decode, Postgres, Row, Sqlite, Transaction, Type};
use std::sync::Arc;

/// One statement, as each dialect writes it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sql {
    sqlite: &'static str,
    postgres: &'static str,
}

impl Sql {
    /// A statement both backends understand as written.
    pub(crate) const fn both(sql: &'static str) -> Sql {
        Sql {
            sqlite: sql,
            postgres: sql,
        }
    }

    /// A statement that differs between the dialects.
    pub(crate) const fn each(sqlite: &'static str, postgres: &'static str) -> Sql {
        Sql { sqlite, postgres }
    }

    /// A statement only PostgreSQL needs (SQLite's `BEGIN IMMEDIATE` already holds its one
    /// write lock, so table locks have nothing to add there).
    pub(crate) const fn postgres_only(postgres: &'static str) -> Sql {
        Sql {
            sqlite: "",
            postgres,
        }
    }
}

/// A value bound to a statement parameter.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Val<'a> {
    Text(&'a str),
    OptText(Option<&'a str>),
    Bytes(&'a [u8]),
    Int(i64),
    OptInt(Option<i64>),
    Bool(bool),
    OptBool(Option<bool>),
    /// A list of ids, for `IN` filters: a PostgreSQL array (`= ANY($n)`), or JSON text on SQLite
    /// (`IN (SELECT value FROM json_each($n))`). Either way one parameter, never spliced SQL.
    Ints(&'a [i64]),
}

fn query_sqlite<'a>(
    sql: &'static str,
    args: &[Val<'a>],
) -> sqlx::query::Query<'a, Sqlite, <Sqlite as sqlx::Database>::Arguments> {
    let mut query = sqlx::query(sql);
    for arg in args {
        query = match *arg {
            Val::Text(v) => query.bind(v),
            Val::Bytes(v) => query.bind(v),
            Val::Int(v) => query.bind(v),
            Val::OptInt(v) => query.bind(v),
            Val::Bool(v) => query.bind(v),
            Val::OptText(v) => query.bind(v),
            Val::OptBool(v) => query.bind(v),
            Val::Ints(v) => query.bind(ints_json(v)),
        };
    }
    query
}

/// `[1,2,3]`: how SQLite's `json_each` receives a list.
fn ints_json(ids: &[i64]) -> String {
    let items: Vec<String> = ids.iter().map(i64::to_string).collect();
    format!("[{}]", items.join(","))
}

fn query_postgres<'a>(
    sql: &'static str,
    args: &[Val<'a>],
) -> sqlx::query::Query<'a, Postgres, <Postgres as sqlx::Database>::Arguments> {
    let mut query = sqlx::query(sql);
    for arg in args {
        query = match *arg {
            Val::Text(v) => query.bind(v),
            Val::Bytes(v) => query.bind(v),
            Val::Int(v) => query.bind(v),
            Val::OptInt(v) => query.bind(v),
            Val::Bool(v) => query.bind(v),
            Val::OptText(v) => query.bind(v),
            Val::OptBool(v) => query.bind(v),
            Val::Ints(v) => query.bind(v),
        };
    }
    query
}

/// A row from either backend.
pub(crate) enum DbRow {
    Sqlite(SqliteRow),
    Postgres(PgRow),
}

impl DbRow {
    /// The value of a named column.
    pub(crate) fn get<T>(&self, column: &'static str) -> Result<T, StoreError>
    where
        T: for<'r> Decode<'r, Sqlite>
            + Type<Sqlite>
            + for<'r> Decode<'r, Postgres>
            + Type<Postgres>,
    {
        Ok(match self {
            DbRow::Sqlite(row) => row.try_get(column)?,
            DbRow::Postgres(row) => row.try_get(column)?,
        })
    }

    /// The value of a column by position (for `COUNT(*)` and other unnamed columns).
    pub(crate) fn at<T>(&self, index: usize) -> Result<T, StoreError>
    where
        T: for<'r> Decode<'r, Sqlite>
            + Type<Sqlite>
            + for<'r> Decode<'r, Postgres>
            + Type<Postgres>,
    {
        Ok(match self {
            DbRow::Sqlite(row) => row.try_get(index)?,
            DbRow::Postgres(row) => row.try_get(index)?,
        })
    }
}

/// A write transaction: `BEGIN IMMEDIATE` on SQLite's one writer connection, a pooled
/// connection's transaction on PostgreSQL. Dropped without `commit`, it rolls back.
pub(crate) struct Tx {
    conn: Conn,
    /// The years whose statistics counters this transaction changed.
    changed: Changed,
    /// Its store's counts of committed counter changes (`Store::counter_changes`).
    changes: Arc<CounterChanges>,
}

enum Conn {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

impl Tx {
    /// Runs a statement; returns the rows it changed. An empty dialect text is skipped.
    pub(crate) async fn execute(&mut self, sql: Sql, args: &[Val<'_>]) -> Result<u64, StoreError> {
        Ok(match &mut self.conn {
            Conn::Sqlite(_) if sql.sqlite.is_empty() => 0,
            Conn::Postgres(_) if sql.postgres.is_empty() => 0,
            Conn::Sqlite(tx) => query_sqlite(sql.sqlite, args)
                .execute(&mut **tx)
                .await?
                .rows_affected(),
            Conn::Postgres(tx) => query_postgres(sql.postgres, args)
                .execute(&mut **tx)
                .await?
                .rows_affected(),
        })
    }

    pub(crate) async fn fetch_optional(
        &mut self,
        sql: Sql,
        args: &[Val<'_>],
    ) -> Result<Option<DbRow>, StoreError> {
        Ok(match &mut self.conn {
            Conn::Sqlite(tx) => query_sqlite(sql.sqlite, args)
                .fetch_optional(&mut **tx)
                .await?
                .map(DbRow::Sqlite),
            Conn::Postgres(tx) => query_postgres(sql.postgres, args)
                .fetch_optional(&mut **tx)
                .await?
                .map(DbRow::Postgres),
        })
    }

    pub(crate) async fn fetch_all(
        &mut self,
        sql: Sql,
        args: &[Val<'_>],
    ) -> Result<Vec<DbRow>, StoreError> {
        Ok(match &mut self.conn {
            Conn::Sqlite(tx) => query_sqlite(sql.sqlite, args)
                .fetch_all(&mut **tx)
                .await?
                .into_iter()
                .map(DbRow::Sqlite)
                .collect(),
            Conn::Postgres(tx) => query_postgres(sql.postgres, args)
                .fetch_all(&mut **tx)
                .await?
                .into_iter()
                .map(DbRow::Postgres)
                .collect(),
        })
    }

    pub(crate) async fn fetch_one(
        &mut self,
        sql: Sql,
        args: &[Val<'_>],
    ) -> Result<DbRow, StoreError> {
        self.fetch_optional(sql, args)
            .await?
            .ok_or(StoreError::NotFound("row"))
    }

    /// Notes that this transaction changes the statistics counters of `year`: its commit is
    /// then counted (`Store::counter_changes`), so that a protected year read before it is
    /// not taken for the latest.
    pub(crate) fn mark_year_changed(&mut self, year: i32) {
        self.changed.years.insert(year);
    }

    /// The same, for every year at once.
    pub(crate) fn mark_all_changed(&mut self) {
        self.changed.all = true;
    }

    pub(crate) async fn commit(self) -> Result<(), StoreError> {
        match self.conn {
            Conn::Sqlite(tx) => tx.commit().await?,
            Conn::Postgres(tx) => tx.commit().await?,
        }
        self.changes.committed(&self.changed);
        Ok(())
    }
}

/// Reads go to the readers' pool (SQLite) or the shared pool (PostgreSQL); writes go through
/// `begin`.
impl Store {
    pub(crate) async fn begin(&self) -> Result<Tx, StoreError> {
        let conn = match self {
            Store::Sqlite(s) => Conn::Sqlite(s.begin().await?),
            Store::Postgres(s) => Conn::Postgres(s.begin().await?),
        };
        Ok(self.tx(conn))
    }

    fn tx(&self, conn: Conn) -> Tx {
        Tx {
            conn,
            changed: Changed::default(),
            changes: self.changes_cell().clone(),
        }
    }

    fn changes_cell(&self) -> &Arc<CounterChanges> {
        match self {
            Store::Sqlite(s) => &s.counter_changes,
            Store::Postgres(s) => &s.counter_changes,
        }
    }

    /// How many transactions through this store have committed changes to `year`'s
    /// counters (`store::changes`): a protected year read since the count last moved is
    /// still good.
    pub fn counter_changes(&self, year: i32) -> u64 {
        self.changes_cell().of(year)
    }

    /// A read-only snapshot for reading many pages consistently while others write: a
    /// deferred read transaction on a reader connection (SQLite WAL keeps its view), or a
    /// REPEATABLE READ, READ ONLY transaction (PostgreSQL). It takes no write lock.
    pub(crate) async fn snapshot(&self) -> Result<Tx, StoreError> {
        let conn = match self {
            Store::Sqlite(s) => Conn::Sqlite(s.reader().begin().await?),
            Store::Postgres(s) => {
                let mut tx = s.pool().begin().await?;
                sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    .execute(&mut *tx)
                    .await?;
                Conn::Postgres(tx)
            }
        };
        Ok(self.tx(conn))
    }

    pub(crate) async fn fetch_all(
        &self,
        sql: Sql,
        args: &[Val<'_>],
    ) -> Result<Vec<DbRow>, StoreError> {
        Ok(match self {
            Store::Sqlite(s) => query_sqlite(sql.sqlite, args)
                .fetch_all(s.reader())
                .await?
                .into_iter()
                .map(DbRow::Sqlite)
                .collect(),
            Store::Postgres(s) => query_postgres(sql.postgres, args)
                .fetch_all(s.pool())
                .await?
                .into_iter()
                .map(DbRow::Postgres)
                .collect(),
        })
    }

    pub(crate) async fn fetch_optional(
        &self,
        sql: Sql,
        args: &[Val<'_>],
    ) -> Result<Option<DbRow>, StoreError> {
        Ok(match self {
            Store::Sqlite(s) => query_sqlite(sql.sqlite, args)
                .fetch_optional(s.reader())
                .await?
                .map(DbRow::Sqlite),
            Store::Postgres(s) => query_postgres(sql.postgres, args)
                .fetch_optional(s.pool())
                .await?
                .map(DbRow::Postgres),
        })
    }

    pub(crate) async fn fetch_one(&self, sql: Sql, args: &[Val<'_>]) -> Result<DbRow, StoreError> {
        self.fetch_optional(sql, args)
            .await?
            .ok_or(StoreError::NotFound("row"))
    }
}
