//! The whole-store copy on PostgreSQL ([`kyoyu_store::copy`]): a dump is one READ ONLY,
//! REPEATABLE READ transaction, a load one READ COMMITTED write transaction, both in the copy
//! scope (`kyoyu.tenant = 'copy'`, migration 0005), the only scope whose policies see and write
//! every row.
//!
//! Key decisions: rows keep their ids — identity columns take them with `OVERRIDING SYSTEM
//! VALUE`, and at the commit each identity's sequence is set above the copied ids and the
//! source's high-water mark by a `SECURITY DEFINER` function that refuses any other scope
//! (kyoyu_app holds no privilege on the sequences). A load first locks the clock and the audit
//! head rows, in the order every object write takes them, so no writer of another process slips
//! a row in between the emptiness check and the commit; the audit head is set from the newest
//! copied entry.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kyoyu_store::copy::{
    ColumnKind, Row, RowCounts, RowFailure, TABLES, Table, Value, Watermarks, refuse_unless_empty,
};
use kyoyu_store::{StoreDump, StoreLoad, StoreResult};
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::query::Query;
use sqlx::{PgConnection, Postgres, Transaction};

use crate::rows::{database, get};

/// A snapshot of the store, read table by table.
pub(crate) struct PostgresDump {
    pub(crate) transaction: Transaction<'static, Postgres>,
}

/// A copy being written, uncommitted until [`StoreLoad::commit`].
pub(crate) struct PostgresLoad {
    pub(crate) transaction: Transaction<'static, Postgres>,
}

/// Rows per table (in the copy scope, which sees them all).
pub(crate) async fn row_counts(connection: &mut PgConnection) -> StoreResult<RowCounts> {
    let mut counts = RowCounts::new();
    for table in TABLES {
        let count: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {}", table.name))
            .fetch_one(&mut *connection)
            .await
            .map_err(database("counting rows"))?;
        counts.push((table.name, u64::try_from(count).unwrap_or(0)));
    }
    Ok(counts)
}

/// Locks the singletons (clock, then audit head: the order of every object write) and refuses
/// a store that holds anything: a row in any table, an object clock that was ever set, or an
/// audit head past the start.
pub(crate) async fn lock_and_check_empty(connection: &mut PgConnection) -> StoreResult<()> {
    let clock: Option<DateTime<Utc>> =
        sqlx::query_scalar("SELECT last_date_added FROM stix_clock WHERE id = 1 FOR UPDATE")
            .fetch_one(&mut *connection)
            .await
            .map_err(database("locking the object clock"))?;
    let head: i64 = sqlx::query_scalar("SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE")
        .fetch_one(&mut *connection)
        .await
        .map_err(database("locking the audit log's head"))?;
    let mut set = Vec::new();
    if clock.is_some() {
        set.push("stix_clock: set".to_owned());
    }
    if head != 0 {
        set.push(format!("audit_head: {head}"));
    }
    refuse_unless_empty(&row_counts(connection).await?, &set)
}

#[async_trait]
impl StoreDump for PostgresDump {
    async fn rows(
        &mut self,
        table: &'static Table,
        after: Option<&[Value]>,
        limit: usize,
    ) -> StoreResult<Vec<Row>> {
        let key = table.key_names();
        let filter = match after {
            Some(_) => format!("WHERE ({key}) > ({})", placeholders(1, table.key_len)),
            None => String::new(),
        };
        // Integers are read as bigint whatever their column's width (jobs.attempts is an
        // integer), so one decoding serves every column of the kind.
        let columns: Vec<String> = table
            .columns
            .iter()
            .map(|column| match column.kind {
                ColumnKind::Integer => format!("{0}::bigint AS {0}", column.name),
                _ => column.name.to_owned(),
            })
            .collect();
        let sql = format!(
            "SELECT {} FROM {} {filter} ORDER BY {key} LIMIT ${}",
            columns.join(", "),
            table.name,
            after.map_or(1, |key| key.len() + 1)
        );
        let mut query = sqlx::query(&sql);
        for (column, value) in table.columns.iter().zip(after.unwrap_or_default()) {
            query = bind(query, column.kind, value);
        }
        let rows = query
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch_all(&mut *self.transaction)
            .await
            .map_err(database("reading rows to copy"))?;
        rows.iter().map(|row| decode(row, table)).collect()
    }

    async fn watermarks(&mut self) -> StoreResult<Watermarks> {
        let mut identities = Vec::new();
        for table in TABLES.iter().filter(|table| table.identity) {
            let last: i64 = sqlx::query_scalar("SELECT kyoyu_copy_identity($1)")
                .bind(table.name)
                .fetch_one(&mut *self.transaction)
                .await
                .map_err(database("reading the identities' high-water marks"))?;
            identities.push((table.name, last));
        }
        let last_date_added: Option<DateTime<Utc>> =
            sqlx::query_scalar("SELECT last_date_added FROM stix_clock WHERE id = 1")
                .fetch_one(&mut *self.transaction)
                .await
                .map_err(database("reading the object clock"))?;
        Ok(Watermarks {
            identities,
            last_date_added,
        })
    }
}

#[async_trait]
impl StoreLoad for PostgresLoad {
    async fn rows(&mut self, table: &'static Table, rows: &[Row]) -> Result<(), RowFailure> {
        let overriding = if table.identity {
            " OVERRIDING SYSTEM VALUE"
        } else {
            ""
        };
        let sql = format!(
            "INSERT INTO {} ({}){overriding} VALUES ({})",
            table.name,
            table.column_names(),
            placeholders(1, table.columns.len())
        );
        for (index, row) in rows.iter().enumerate() {
            let failure = |error| RowFailure { row: index, error };
            table.check_row(row).map_err(failure)?;
            let mut query = sqlx::query(&sql);
            for (column, value) in table.columns.iter().zip(row) {
                query = bind(query, column.kind, value);
            }
            query
                .execute(&mut *self.transaction)
                .await
                .map_err(|error| failure(database("writing a copied row")(error)))?;
        }
        Ok(())
    }

    async fn commit(mut self: Box<Self>, marks: &Watermarks) -> StoreResult<()> {
        let connection = &mut *self.transaction;
        for table in TABLES.iter().filter(|table| table.identity) {
            sqlx::query("SELECT kyoyu_copy_set_identity($1, $2)")
                .bind(table.name)
                .bind(marks.identity(table.name))
                .execute(&mut *connection)
                .await
                .map_err(database("setting an identity past the copied ids"))?;
        }
        sqlx::query("UPDATE stix_clock SET last_date_added = $1 WHERE id = 1")
            .bind(marks.last_date_added)
            .execute(&mut *connection)
            .await
            .map_err(database("setting the object clock"))?;
        sqlx::query(
            "UPDATE audit_head SET seq = newest.seq, hash = newest.hash
             FROM (SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1) AS newest
             WHERE audit_head.id = 1",
        )
        .execute(&mut *connection)
        .await
        .map_err(database("setting the audit log's head"))?;
        self.transaction
            .commit()
            .await
            .map_err(database("committing the copy"))
    }
}

/// `$first, $first+1, …`: `count` placeholders.
fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|index| format!("${index}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn bind<'q>(
    query: Query<'q, Postgres, PgArguments>,
    kind: ColumnKind,
    value: &'q Value,
) -> Query<'q, Postgres, PgArguments> {
    match value {
        Value::Null => match kind {
            ColumnKind::Integer => query.bind(None::<i64>),
            ColumnKind::Text => query.bind(None::<String>),
            ColumnKind::Time => query.bind(None::<DateTime<Utc>>),
            ColumnKind::Flag => query.bind(None::<bool>),
            ColumnKind::OrgList => query.bind(None::<Vec<i64>>),
        },
        Value::Integer(value) => query.bind(*value),
        Value::Text(text) => query.bind(text.as_str()),
        Value::Time(time) => query.bind(*time),
        Value::Flag(flag) => query.bind(*flag),
        Value::OrgList(orgs) => query.bind(orgs.as_slice()),
    }
}

fn decode(row: &PgRow, table: &Table) -> StoreResult<Row> {
    let name = table.name;
    table
        .columns
        .iter()
        .map(|column| {
            let value = match column.kind {
                ColumnKind::Integer => {
                    get::<Option<i64>>(row, name, column.name)?.map(Value::Integer)
                }
                ColumnKind::Text => get::<Option<String>>(row, name, column.name)?.map(Value::Text),
                ColumnKind::Time => {
                    get::<Option<DateTime<Utc>>>(row, name, column.name)?.map(Value::Time)
                }
                ColumnKind::Flag => get::<Option<bool>>(row, name, column.name)?.map(Value::Flag),
                ColumnKind::OrgList => {
                    get::<Option<Vec<i64>>>(row, name, column.name)?.map(Value::OrgList)
                }
            };
            column.read(name, value)
        })
        .collect()
}
