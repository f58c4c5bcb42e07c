//! Copying a whole store into another one, of the same backend or not (`kyoyu admin
//! copy-store`): a SQLite deployment moved to PostgreSQL, or PostgreSQL copied back into a
//! SQLite directory for a downgrade or a backup.
//!
//! Key decisions:
//! - **Backend-neutral rows, described once here.** Every table both backends have is a
//!   [`Table`] in [`TABLES`] (its columns, each of a [`ColumnKind`], and its key); a row is a
//!   list of [`Value`]s in that order. A backend maps each kind to its own column type (a time is
//!   RFC 3339 text on SQLite and `timestamptz` on PostgreSQL, an organization list comma text
//!   or `bigint[]`, a flag an integer or a boolean), so one description serves both directions
//!   and a new table is one entry here plus, in each backend, nothing at all. Rows are copied
//!   verbatim — ids, `seq`, `date_added`, `is_latest`, token hashes, audit hashes — never
//!   through the domain types, which would re-validate, re-derive or drop what they do not
//!   model.
//! - **One snapshot, one transaction.** The source is read through a [`StoreDump`] (one read
//!   transaction: a consistent snapshot even of a running store) and the target written
//!   through a [`StoreLoad`] (one write transaction, begun only when every table of the target
//!   is empty, and committed only after the last row). A copy that fails anywhere — a row the
//!   target refuses, a lost connection, a killed process — leaves the target as empty as it
//!   was; the error names the table and the row. Rows move in chunks of [`CHUNK_ROWS`] by key
//!   order (keyset paging), so memory does not grow with the store.
//! - What a store counts on besides its rows moves too ([`Watermarks`]): the highest id each
//!   identity column has handed out (a deleted newest object's `seq` is never handed out again,
//!   since a client may hold it as a paging cursor) and the object clock. The target derives
//!   its audit head from the copied log; [`copy_store`]'s caller checks it against the
//!   source's (`kyoyu admin copy-store` verifies the chain, the head and the counts).
//!
//! The store methods are `system_*`: they read and write every tenant's rows, and only the
//! operator's command calls them (on PostgreSQL in a scope of their own, `copy`, that no other
//! call sets).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::{Store, StoreError, StoreResult};

/// How many rows move per read and write.
pub const CHUNK_ROWS: usize = 500;

/// What a column holds, whatever type each backend stores it as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// A 64-bit integer.
    Integer,
    /// Text.
    Text,
    /// A time (microseconds, UTC).
    Time,
    /// True or false.
    Flag,
    /// A list of organization ids.
    OrgList,
}

/// One column of a [`Table`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// Its name in both backends' schemas.
    pub name: &'static str,
    /// What it holds.
    pub kind: ColumnKind,
    /// Whether it may be NULL.
    pub nullable: bool,
}

/// A table both backends have, as a copy sees it.
#[derive(Debug, PartialEq, Eq)]
pub struct Table {
    /// Its name in both backends' schemas.
    pub name: &'static str,
    /// Its columns; the key's columns first.
    pub columns: &'static [Column],
    /// How many of the first columns make the primary key (rows are read in its order).
    pub key_len: usize,
    /// Whether the first column is an identity (ids handed out by the database), whose
    /// high-water mark moves with the rows ([`Watermarks::identities`]).
    pub identity: bool,
}

impl Table {
    /// The column names, comma-separated, in order.
    pub fn column_names(&self) -> String {
        names(self.columns)
    }

    /// The key's column names, comma-separated, in order.
    pub fn key_names(&self) -> String {
        names(&self.columns[..self.key_len])
    }

    /// The key of a row (or the key alone), for messages: `(tenant=3, id="INC-1")`.
    pub fn describe_key(&self, row: &[Value]) -> String {
        let parts: Vec<String> = self
            .columns
            .iter()
            .zip(row)
            .take(self.key_len)
            .map(|(column, value)| format!("{}={value}", column.name))
            .collect();
        format!("({})", parts.join(", "))
    }

    /// Checks that a row has this table's shape (a value of each column's kind, NULL only where
    /// allowed), so a backend binds it without guessing.
    pub fn check_row(&self, row: &[Value]) -> StoreResult<()> {
        if row.len() != self.columns.len() {
            return Err(StoreError::Invalid(format!(
                "{}: a row of {} values for {} columns",
                self.name,
                row.len(),
                self.columns.len()
            )));
        }
        for (column, value) in self.columns.iter().zip(row) {
            let fits = match value {
                Value::Null => column.nullable,
                other => other.kind() == Some(column.kind),
            };
            if !fits {
                return Err(StoreError::Invalid(format!(
                    "{}.{}: {value} is not a {:?}{}",
                    self.name,
                    column.name,
                    column.kind,
                    if column.nullable { " or NULL" } else { "" }
                )));
            }
        }
        Ok(())
    }
}

impl Column {
    /// A value a backend read for this column (`None` for NULL), refused as corrupt when the
    /// column never holds NULL.
    pub fn read(&self, table: &str, value: Option<Value>) -> StoreResult<Value> {
        match value {
            Some(value) => Ok(value),
            None if self.nullable => Ok(Value::Null),
            None => Err(StoreError::Corrupt(format!(
                "{table}.{}: NULL in a column that never holds one",
                self.name
            ))),
        }
    }
}

fn names(columns: &[Column]) -> String {
    columns
        .iter()
        .map(|column| column.name)
        .collect::<Vec<_>>()
        .join(", ")
}

const fn column(name: &'static str, kind: ColumnKind) -> Column {
    Column {
        name,
        kind,
        nullable: false,
    }
}

const fn nullable(name: &'static str, kind: ColumnKind) -> Column {
    Column {
        name,
        kind,
        nullable: true,
    }
}

use ColumnKind::{Flag, Integer, OrgList, Text, Time};

/// Every table a copy moves, parents before the tables whose foreign keys name them (the order
/// a copy writes them in). The singletons (the object clock, PostgreSQL's audit head) are not
/// rows here: see [`Watermarks`].
pub const TABLES: &[Table] = &[
    Table {
        name: "orgs",
        columns: &[
            column("id", Integer),
            column("name", Text),
            column("kind", Text),
            column("created", Time),
        ],
        key_len: 1,
        identity: true,
    },
    Table {
        name: "tokens",
        columns: &[
            column("id", Text),
            column("org", Integer),
            column("role", Text),
            column("label", Text),
            column("hash", Text),
            column("created", Time),
            nullable("revoked", Time),
        ],
        key_len: 1,
        identity: false,
    },
    Table {
        name: "incidents",
        columns: &[
            column("tenant", Integer),
            column("id", Text),
            column("version", Integer),
            column("header", Text),
            column("created", Time),
            column("updated", Time),
        ],
        key_len: 2,
        identity: false,
    },
    Table {
        name: "incident_entries",
        columns: &[
            column("tenant", Integer),
            column("incident", Text),
            column("part", Text),
            column("position", Integer),
            column("json", Text),
        ],
        key_len: 4,
        identity: false,
    },
    Table {
        name: "consents",
        columns: &[
            column("victim", Integer),
            column("vendor", Integer),
            column("created", Time),
        ],
        key_len: 2,
        identity: false,
    },
    Table {
        name: "communities",
        columns: &[
            column("id", Text),
            column("owner", Integer),
            column("title", Text),
            column("description", Text),
            column("kind", Text),
            column("max_tlp", Text),
            column("created", Time),
        ],
        key_len: 1,
        identity: false,
    },
    Table {
        name: "memberships",
        columns: &[
            column("community", Text),
            column("org", Integer),
            column("created", Time),
        ],
        key_len: 2,
        identity: false,
    },
    Table {
        name: "stix_objects",
        columns: &[
            column("seq", Integer),
            column("collection", Text),
            column("id", Text),
            column("type", Text),
            column("spec_version", Text),
            column("version", Text),
            column("date_added", Time),
            nullable("tlp", Text),
            column("audience", OrgList),
            nullable("submitter", Integer),
            column("is_latest", Flag),
            column("json", Text),
        ],
        key_len: 1,
        identity: true,
    },
    Table {
        name: "statuses",
        columns: &[
            column("id", Text),
            column("tenant", Integer),
            column("collection", Text),
            column("status", Text),
            column("request_timestamp", Time),
            column("successes", Text),
            column("failures", Text),
        ],
        key_len: 1,
        identity: false,
    },
    Table {
        name: "audit_log",
        columns: &[
            column("seq", Integer),
            column("at", Time),
            nullable("tenant", Integer),
            column("actor", Text),
            column("action", Text),
            column("prev_hash", Text),
            column("hash", Text),
        ],
        key_len: 1,
        identity: false,
    },
    Table {
        name: "jobs",
        columns: &[
            column("id", Integer),
            column("kind", Text),
            nullable("tenant", Integer),
            column("payload", Text),
            nullable("dedupe_key", Text),
            column("state", Text),
            column("run_after", Time),
            column("attempts", Integer),
            nullable("worker", Text),
            nullable("lease_until", Time),
            nullable("last_error", Text),
            column("created", Time),
            nullable("finished", Time),
        ],
        key_len: 1,
        identity: true,
    },
    Table {
        name: "schedules",
        columns: &[column("name", Text), column("next_run", Time)],
        key_len: 1,
        identity: false,
    },
    Table {
        name: "idempotency_keys",
        columns: &[
            column("org", Integer),
            column("key", Text),
            column("fingerprint", Text),
            column("request", Text),
            column("created", Time),
            nullable("status", Integer),
            nullable("content_type", Text),
            nullable("body", Text),
        ],
        key_len: 2,
        identity: false,
    },
    Table {
        name: "hub_submissions",
        columns: &[
            column("tenant", Integer),
            column("id", Text),
            column("pseudonym", Text),
            column("day", Integer),
            nullable("sector", Text),
            nullable("region", Text),
            nullable("size_band", Text),
            column("consent_name", Flag),
            column("consent_credit", Flag),
            column("indicators", Text),
            column("receipt", Text),
        ],
        key_len: 2,
        identity: false,
    },
    Table {
        name: "hub_provenance",
        columns: &[
            column("tenant", Integer),
            column("submission", Text),
            column("member", Integer),
        ],
        key_len: 2,
        identity: false,
    },
];

/// The table of this name.
pub fn table(name: &str) -> Option<&'static Table> {
    TABLES.iter().find(|table| table.name == name)
}

/// One value of a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// NULL.
    Null,
    /// An integer.
    Integer(i64),
    /// Text.
    Text(String),
    /// A time.
    Time(DateTime<Utc>),
    /// A flag.
    Flag(bool),
    /// Organization ids.
    OrgList(Vec<i64>),
}

impl Value {
    /// The kind of a value (`None` for NULL).
    pub fn kind(&self) -> Option<ColumnKind> {
        match self {
            Value::Null => None,
            Value::Integer(_) => Some(Integer),
            Value::Text(_) => Some(Text),
            Value::Time(_) => Some(Time),
            Value::Flag(_) => Some(Flag),
            Value::OrgList(_) => Some(OrgList),
        }
    }
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Null => f.write_str("NULL"),
            Value::Integer(value) => write!(f, "{value}"),
            // A key may be long (a JSON text is never a key, but an incident id may be 128
            // characters): messages show its start.
            Value::Text(text) if text.chars().count() > 80 => {
                let start: String = text.chars().take(80).collect();
                write!(f, "{start:?}…")
            }
            Value::Text(text) => write!(f, "{text:?}"),
            Value::Time(time) => f.write_str(&crate::audit::format_time(time)),
            Value::Flag(flag) => write!(f, "{flag}"),
            Value::OrgList(orgs) => write!(f, "{orgs:?}"),
        }
    }
}

/// A row: one value per column of its table, in the table's order.
pub type Row = Vec<Value>;

/// What a store counts on besides its rows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Watermarks {
    /// For each identity table ([`Table::identity`]), the highest id it has handed out (0 for
    /// none): at least the highest id in the table, more when the newest rows were deleted. The
    /// target hands out only ids above it.
    pub identities: Vec<(&'static str, i64)>,
    /// The newest `date_added` ever handed out (`None` before the first object): a later object
    /// is added after it even when the newest object was deleted.
    pub last_date_added: Option<DateTime<Utc>>,
}

impl Watermarks {
    /// The mark of one identity table (0 when not given).
    pub fn identity(&self, table: &str) -> i64 {
        self.identities
            .iter()
            .find(|(name, _)| *name == table)
            .map_or(0, |(_, last)| *last)
    }
}

/// A read of a whole store in one snapshot ([`Store::system_dump`]); the snapshot ends when
/// this is dropped.
#[async_trait]
pub trait StoreDump: Send {
    /// Up to `limit` rows of `table` whose key comes after `after` (the key of the last row of
    /// the previous chunk; `None` from the first), in key order.
    async fn rows(
        &mut self,
        table: &'static Table,
        after: Option<&[Value]>,
        limit: usize,
    ) -> StoreResult<Vec<Row>>;

    /// The store's identity high-water marks and object clock.
    async fn watermarks(&mut self) -> StoreResult<Watermarks>;
}

/// A row a [`StoreLoad`] could not write: its index in the chunk and why.
#[derive(Debug)]
pub struct RowFailure {
    /// The row's index in the chunk.
    pub row: usize,
    /// Why.
    pub error: StoreError,
}

/// A write of a whole store into an empty one, in one transaction ([`Store::system_load`]):
/// dropped without [`commit`](StoreLoad::commit), it rolls back and the store stays empty.
#[async_trait]
pub trait StoreLoad: Send {
    /// Writes rows of `table` as they are (ids included). Tables go in [`TABLES`]' order.
    async fn rows(&mut self, table: &'static Table, rows: &[Row]) -> Result<(), RowFailure>;

    /// Sets the identities to continue above `marks` (and above every copied id), the object
    /// clock, and the audit head (the newest copied entry), then commits.
    async fn commit(self: Box<Self>, marks: &Watermarks) -> StoreResult<()>;
}

/// Rows per table of a store, in [`TABLES`]' order.
pub type RowCounts = Vec<(&'static str, u64)>;

/// What a finished copy moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyReport {
    /// Rows copied per table, in [`TABLES`]' order.
    pub rows: RowCounts,
    /// The marks carried over.
    pub watermarks: Watermarks,
}

/// Why a copy failed (the target is left as empty as it was).
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    /// The target holds rows: a copy never merges into a store in use.
    #[error("the target store is not empty ({0})")]
    TargetNotEmpty(String),
    /// The source or the target could not be opened for the copy.
    #[error("opening the {side} for the copy: {error}")]
    Open {
        /// `source` or `target`.
        side: &'static str,
        /// Why.
        error: StoreError,
    },
    /// Reading a chunk of the source failed.
    #[error("reading {table} from the source after the row {after}: {error}")]
    Read {
        /// The table.
        table: &'static str,
        /// The key of the last row read before (`(start)` for the first chunk).
        after: String,
        /// Why.
        error: StoreError,
    },
    /// The target refused a row.
    #[error("writing {table} row {row} into the target: {error}")]
    Write {
        /// The table.
        table: &'static str,
        /// The row's key.
        row: String,
        /// Why.
        error: StoreError,
    },
    /// The last step (watermarks, audit head, commit) failed.
    #[error("finishing the copy (identities, object clock, audit head, commit): {0}")]
    Commit(StoreError),
}

/// Copies every row of `source` into `target`, which must be empty (freshly migrated), in one
/// transaction on the target and one snapshot of the source; memory stays at one chunk.
pub async fn copy_store(source: &dyn Store, target: &dyn Store) -> Result<CopyReport, CopyError> {
    let mut load = target.system_load().await.map_err(|error| match error {
        StoreError::Conflict(detail) => CopyError::TargetNotEmpty(detail),
        error => CopyError::Open {
            side: "target",
            error,
        },
    })?;
    let mut dump = source
        .system_dump()
        .await
        .map_err(|error| CopyError::Open {
            side: "source",
            error,
        })?;
    let mut rows = RowCounts::new();
    for table in TABLES {
        let mut after: Option<Row> = None;
        let mut copied = 0u64;
        loop {
            let chunk = dump
                .rows(table, after.as_deref(), CHUNK_ROWS)
                .await
                .map_err(|error| CopyError::Read {
                    table: table.name,
                    after: after
                        .as_deref()
                        .map_or_else(|| "(start)".to_owned(), |key| table.describe_key(key)),
                    error,
                })?;
            let Some(last) = chunk.last() else {
                break;
            };
            load.rows(table, &chunk)
                .await
                .map_err(|failure| CopyError::Write {
                    table: table.name,
                    row: chunk
                        .get(failure.row)
                        .map_or_else(|| "?".to_owned(), |row| table.describe_key(row)),
                    error: failure.error,
                })?;
            copied += chunk.len() as u64;
            after = Some(last[..table.key_len].to_vec());
            if chunk.len() < CHUNK_ROWS {
                break;
            }
        }
        rows.push((table.name, copied));
    }
    let watermarks = dump.watermarks().await.map_err(|error| CopyError::Read {
        table: "(watermarks)",
        after: "(start)".to_owned(),
        error,
    })?;
    drop(dump);
    load.commit(&watermarks).await.map_err(CopyError::Commit)?;
    Ok(CopyReport { rows, watermarks })
}

/// What a backend answers when asked to load into a store: nothing when it is empty, else
/// [`StoreError::Conflict`] naming the tables that hold rows and the singletons that were set
/// (`orgs: 3, audit_log: 7, stix_clock: set`).
pub fn refuse_unless_empty(counts: &RowCounts, singletons_set: &[String]) -> StoreResult<()> {
    let held: Vec<String> = counts
        .iter()
        .filter(|(_, rows)| *rows > 0)
        .map(|(table, rows)| format!("{table}: {rows}"))
        .chain(singletons_set.iter().cloned())
        .collect();
    if held.is_empty() {
        Ok(())
    } else {
        Err(StoreError::Conflict(held.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_has_its_key_first_and_an_identity_only_as_an_integer_key() {
        for table in TABLES {
            assert!(table.key_len >= 1 && table.key_len <= table.columns.len());
            for column in &table.columns[..table.key_len] {
                assert!(!column.nullable, "{}.{}", table.name, column.name);
            }
            if table.identity {
                assert_eq!(table.key_len, 1, "{}", table.name);
                assert_eq!(table.columns[0].kind, Integer, "{}", table.name);
            }
            assert_eq!(super::table(table.name), Some(table));
        }
    }

    #[test]
    fn a_row_of_the_wrong_shape_is_refused_with_its_column() {
        let orgs = table("orgs").unwrap();
        let time = Value::Time(DateTime::UNIX_EPOCH);
        let good = vec![
            Value::Integer(1),
            Value::Text("hub".into()),
            Value::Text("hub".into()),
            time.clone(),
        ];
        orgs.check_row(&good).unwrap();
        let mut null_name = good.clone();
        null_name[1] = Value::Null;
        let error = orgs.check_row(&null_name).unwrap_err().to_string();
        assert!(error.contains("orgs.name"), "{error}");
        let error = orgs.check_row(&good[..3]).unwrap_err().to_string();
        assert!(error.contains("3 values for 4 columns"), "{error}");
        let tokens = table("tokens").unwrap();
        let mut token = vec![Value::Text("t".into()), Value::Integer(1)];
        token.extend(std::iter::repeat_n(Value::Text("x".into()), 3));
        token.extend([time, Value::Null]);
        tokens.check_row(&token).unwrap();
        assert_eq!(
            tokens.describe_key(&token),
            "(id=\"t\")",
            "a key names its columns"
        );
    }
}
