//! The whole-store copy on SQLite ([`kyoyu_store::copy`]): a dump is one read transaction on a
//! read connection (WAL mode gives it one snapshot beside the writer), a load one `BEGIN
//! IMMEDIATE` transaction on the one writer, held from the emptiness check to the commit.
//!
//! Key decision: the neutral kinds map onto this backend's own encodings and nothing else —
//! times as the RFC 3339 text every other write uses (`format_time`), organization lists as
//! comma text, flags as 0 or 1 — so a copied row is byte for byte what this backend would have
//! written itself. Identity high-water marks live in `sqlite_sequence` for the `AUTOINCREMENT`
//! tables (objects, jobs); an `INTEGER PRIMARY KEY` without it (orgs, never deleted) continues
//! after its highest row, which is all a copy can keep there.

use async_trait::async_trait;
use kyoyu_store::copy::{
    ColumnKind, RowCounts, RowFailure, TABLES, Table, Value, Watermarks, refuse_unless_empty,
};
use kyoyu_store::{StoreDump, StoreLoad, StoreResult};
use sqlx::query::Query;
use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{Sqlite, SqliteConnection, Transaction};

use crate::rows::{
    database, format_org_list, format_time, optional_integer, optional_text, parse_org_list,
    parse_time,
};

/// A snapshot of the store, read table by table.
pub(crate) struct SqliteDump {
    pub(crate) transaction: Transaction<'static, Sqlite>,
}

/// A copy being written, uncommitted until [`StoreLoad::commit`].
pub(crate) struct SqliteLoad {
    pub(crate) transaction: Transaction<'static, Sqlite>,
}

/// Rows per table.
pub(crate) async fn row_counts(connection: &mut SqliteConnection) -> StoreResult<RowCounts> {
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

/// Refuses a store that holds anything: a row in any table, or an object clock (set by the
/// first object ever added, kept when every object was deleted).
pub(crate) async fn check_empty(connection: &mut SqliteConnection) -> StoreResult<()> {
    let counts = row_counts(connection).await?;
    let clock: i64 = sqlx::query_scalar("SELECT count(*) FROM stix_clock")
        .fetch_one(&mut *connection)
        .await
        .map_err(database("reading the object clock"))?;
    let set = if clock > 0 {
        vec!["stix_clock: set".to_owned()]
    } else {
        Vec::new()
    };
    refuse_unless_empty(&counts, &set)
}

#[async_trait]
impl StoreDump for SqliteDump {
    async fn rows(
        &mut self,
        table: &'static Table,
        after: Option<&[Value]>,
        limit: usize,
    ) -> StoreResult<Vec<kyoyu_store::copy::Row>> {
        let key = table.key_names();
        let filter = match after {
            Some(_) => format!("WHERE ({key}) > ({})", placeholders(table.key_len)),
            None => String::new(),
        };
        let sql = format!(
            "SELECT {} FROM {} {filter} ORDER BY {key} LIMIT ?",
            table.column_names(),
            table.name
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
            let id = table.columns[0].name;
            let sql = format!(
                "SELECT max(coalesce((SELECT max({id}) FROM {0}), 0),
                            coalesce((SELECT seq FROM sqlite_sequence WHERE name = '{0}'), 0))",
                table.name
            );
            let last: i64 = sqlx::query_scalar(&sql)
                .fetch_one(&mut *self.transaction)
                .await
                .map_err(database("reading the identities' high-water marks"))?;
            identities.push((table.name, last));
        }
        let clock: Option<String> =
            sqlx::query_scalar("SELECT last_date_added FROM stix_clock WHERE id = 1")
                .fetch_optional(&mut *self.transaction)
                .await
                .map_err(database("reading the object clock"))?;
        let last_date_added = clock
            .map(|text| parse_time(&text, "stix_clock", "last_date_added"))
            .transpose()?;
        Ok(Watermarks {
            identities,
            last_date_added,
        })
    }
}

#[async_trait]
impl StoreLoad for SqliteLoad {
    async fn rows(
        &mut self,
        table: &'static Table,
        rows: &[kyoyu_store::copy::Row],
    ) -> Result<(), RowFailure> {
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({})",
            table.name,
            table.column_names(),
            placeholders(table.columns.len())
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
            let last = marks.identity(table.name);
            let autoincrement: bool = sqlx::query_scalar(
                "SELECT coalesce(max(sql LIKE '%AUTOINCREMENT%'), 0) FROM sqlite_master
                 WHERE type = 'table' AND name = ?",
            )
            .bind(table.name)
            .fetch_one(&mut *connection)
            .await
            .map_err(database("reading the schema"))?;
            if !autoincrement || last <= 0 {
                continue;
            }
            let raised = sqlx::query("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?")
                .bind(last)
                .bind(table.name)
                .execute(&mut *connection)
                .await
                .map_err(database("setting an identity's high-water mark"))?;
            if raised.rows_affected() == 0 {
                sqlx::query("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)")
                    .bind(table.name)
                    .bind(last)
                    .execute(&mut *connection)
                    .await
                    .map_err(database("setting an identity's high-water mark"))?;
            }
        }
        if let Some(clock) = &marks.last_date_added {
            sqlx::query("INSERT INTO stix_clock (id, last_date_added) VALUES (1, ?)")
                .bind(format_time(clock))
                .execute(&mut *connection)
                .await
                .map_err(database("setting the object clock"))?;
        }
        // The audit head is the newest entry of the log on this backend: copied with the log.
        self.transaction
            .commit()
            .await
            .map_err(database("committing the copy"))
    }
}

fn placeholders(count: usize) -> String {
    vec!["?"; count].join(", ")
}

fn bind<'q>(
    query: Query<'q, Sqlite, SqliteArguments<'q>>,
    kind: ColumnKind,
    value: &'q Value,
) -> Query<'q, Sqlite, SqliteArguments<'q>> {
    match value {
        Value::Null => match kind {
            ColumnKind::Integer | ColumnKind::Flag => query.bind(None::<i64>),
            ColumnKind::Text | ColumnKind::Time | ColumnKind::OrgList => query.bind(None::<String>),
        },
        Value::Integer(value) => query.bind(*value),
        Value::Text(text) => query.bind(text.as_str()),
        Value::Time(time) => query.bind(format_time(time)),
        Value::Flag(flag) => query.bind(i64::from(*flag)),
        Value::OrgList(orgs) => query.bind(format_org_list(
            &orgs
                .iter()
                .copied()
                .map(kyoyu_store::OrgId)
                .collect::<Vec<_>>(),
        )),
    }
}

fn decode(row: &SqliteRow, table: &Table) -> StoreResult<kyoyu_store::copy::Row> {
    let name = table.name;
    table
        .columns
        .iter()
        .map(|column| {
            let value = match column.kind {
                ColumnKind::Integer => {
                    optional_integer(row, name, column.name)?.map(Value::Integer)
                }
                ColumnKind::Flag => {
                    optional_integer(row, name, column.name)?.map(|flag| Value::Flag(flag != 0))
                }
                ColumnKind::Text => optional_text(row, name, column.name)?.map(Value::Text),
                ColumnKind::Time => optional_text(row, name, column.name)?
                    .map(|text| parse_time(&text, name, column.name).map(Value::Time))
                    .transpose()?,
                ColumnKind::OrgList => optional_text(row, name, column.name)?
                    .map(|text| {
                        parse_org_list(&text, name, column.name)
                            .map(|orgs| Value::OrgList(orgs.into_iter().map(|org| org.0).collect()))
                    })
                    .transpose()?,
            };
            column.read(name, value)
        })
        .collect()
}
