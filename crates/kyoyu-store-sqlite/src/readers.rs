//! The hot read path: a small pool of read-only `rusqlite` connections, each call run on
//! tokio's blocking pool, for the reads every request makes (a TAXII page, a token, an
//! organization).
//!
//! Key decisions:
//! - **Why not sqlx here.** sqlx runs each SQLite connection on its own worker thread and hands
//!   every row of a result to the async side through a channel: a page of 101 rows was ~110
//!   thread hand-offs plus a copy of every column value into a boxed `SqliteValue`. Measured on
//!   the TAXII page (~0.7 ms of CPU per page, half of it futex and scheduler work). Here a call
//!   is one hand-off to a blocking thread, which steps the statement and reads each column
//!   straight from SQLite's buffer into the `String` it ends in.
//! - **Short reads stay on their task.** On the two-core VM the hand-off itself was the cost: a
//!   TAXII page's wake-ups of a blocking thread and back were half of the server's CPU in the
//!   bench's profile (kernel scheduler and paravirtual spin locks). A read whose work is
//!   bounded by a few index probes and at most a default page of rows (a token, an
//!   organization, a plain page: [`is_short`]) runs on the calling task (tens of
//!   microseconds of an async worker); every other read goes to the blocking pool. WAL
//!   readers never wait for the writer, so a short read does not block on a lock.
//!   Measured with `bench/run.sh`: 64 connections 5,341 → 9,204 pages/s, one connection
//!   p99 2.35 → 0.73 ms (ARCHITECTURE.md).
//! - **Bounded.** A few connections (four) and as many permits: a call waits (asynchronously)
//!   for a permit *before* it takes a blocking thread, so at most that many blocking threads are
//!   ever busy with reads however many requests are in flight. The permit travels with the
//!   blocking call and is given back only after the connection is back in the pool, so a permit
//!   always finds an idle connection — also when the request that started a read is dropped
//!   (a client hung up) while its read still runs.
//! - **Read-only and cached.** Connections open the file `SQLITE_OPEN_READ_ONLY` (a read cannot
//!   write by mistake) with the store's busy timeout; statements are `prepare_cached`, keyed by
//!   their SQL text (a page query's text depends only on which filters are present and how many
//!   values they list, never on the values, the cursor or the limit).
//! - **One snapshot.** A page reads the reader's standing and the rows in one read transaction.
//! - Values are checked like everywhere in the store: a value this version of kyoyu would not
//!   have written is [`StoreError::Corrupt`] naming table and column.

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use kyoyu_store::{
    ObjectPage, ObjectQuery, Org, OrgId, OrgKind, Role, Standing, StoreError, StoreResult,
    StoredObject, Tlp, TokenRecord,
};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags, Row};
use tokio::sync::Semaphore;

use crate::objects;
use crate::rows::{by_result_code, parse_time};

/// Statements kept prepared per connection (page queries with different filter shapes, the
/// standing check, tokens, organizations, BEGIN/COMMIT).
const STATEMENT_CACHE: usize = 64;

/// Rows a page may ask for and still be read on the calling task ([`Readers::run_inline`]):
/// the default TAXII page (100) and the row that tells whether there are more.
pub(crate) const INLINE_ROWS: usize = 100;

/// Whether a page query is short enough to read on the calling task: it walks an index in seq
/// order (the latest versions' partial index, or every version) and stops after at most
/// [`INLINE_ROWS`] + 1 rows, or looks up one object's versions. A filter on type or spec
/// version, `first` or exact versions, or several ids may walk many rows that do not match,
/// so those go to the blocking pool.
pub(crate) fn is_short(query: &ObjectQuery) -> bool {
    query.limit <= INLINE_ROWS
        && query.types.is_empty()
        && query.spec_versions.is_empty()
        && query.ids.len() <= 1
        && matches!(
            query.versions,
            kyoyu_store::VersionMatch::Last | kyoyu_store::VersionMatch::All
        )
}

/// The pool. Shared by the store's clones.
#[derive(Debug)]
pub(crate) struct Readers {
    idle: Mutex<Vec<Connection>>,
    permits: Arc<Semaphore>,
}

fn closed() -> StoreError {
    StoreError::Database("the store is closed".into())
}

fn database(context: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
    move |error| {
        let code = match &error {
            rusqlite::Error::SqliteFailure(failure, _) => Some(failure.extended_code),
            _ => None,
        };
        by_result_code(code, format!("{context}: {error}"))
    }
}

impl Readers {
    /// Opens `count` read-only connections to the database file (which exists: the writer
    /// created it and applied the migrations).
    pub(crate) fn open(path: &Path, count: usize, busy: Duration) -> StoreResult<Readers> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let connections = (0..count)
            .map(|_| {
                let connection = Connection::open_with_flags(path, flags).map_err(|error| {
                    StoreError::Database(format!(
                        "opening read connections to {}: {error}",
                        path.display()
                    ))
                })?;
                connection
                    .busy_timeout(busy)
                    .map_err(database("setting the busy timeout"))?;
                connection.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
                Ok(connection)
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Readers {
            idle: Mutex::new(connections),
            permits: Arc::new(Semaphore::new(count)),
        })
    }

    /// Closes the idle connections; calls after this fail, calls in flight close theirs when
    /// they finish.
    pub(crate) fn close(&self) {
        self.permits.close();
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// Runs a *short* read on an idle connection right on the calling task: no hand-off to
    /// another thread and back. For reads whose work is bounded by a small number of index
    /// probes and rows (a token, an organization, a plain page of at most [`INLINE_ROWS`]
    /// rows: see [`is_short`]); everything else goes through [`Readers::run`].
    pub(crate) async fn run_inline<T, F>(self: &Arc<Self>, read: F) -> StoreResult<T>
    where
        F: FnOnce(&mut Connection) -> StoreResult<T>,
    {
        let _permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|_| closed())?;
        // No await from here on: the lease goes back (and the permit after it) before this
        // returns, whatever `read` does.
        let mut lease = Lease::take(self)?;
        read(lease.connection())
    }

    /// Runs `read` on an idle connection on tokio's blocking pool.
    pub(crate) async fn run<T, F>(self: &Arc<Self>, read: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|_| closed())?;
        let readers = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            // Dropped in reverse order: the connection goes back before the permit.
            let _permit = permit;
            let mut lease = Lease::take(&readers)?;
            read(lease.connection())
        })
        .await
        .map_err(|error| StoreError::Database(format!("a read failed: {error}")))?
    }
}

/// A connection out of the pool; goes back when dropped (unless the pool was closed meanwhile).
struct Lease<'a> {
    readers: &'a Readers,
    connection: Option<Connection>,
}

impl<'a> Lease<'a> {
    fn take(readers: &'a Readers) -> StoreResult<Lease<'a>> {
        let connection = readers
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()
            .ok_or_else(closed)?;
        Ok(Lease {
            readers,
            connection: Some(connection),
        })
    }

    fn connection(&mut self) -> &mut Connection {
        self.connection
            .as_mut()
            .expect("a lease holds its connection")
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        let Some(connection) = self.connection.take() else {
            return;
        };
        // A read that failed (or panicked) inside its transaction must not leave the snapshot
        // pinned for the next caller.
        if !connection.is_autocommit() && connection.execute_batch("ROLLBACK").is_err() {
            return;
        }
        if !self.readers.permits.is_closed() {
            self.readers
                .idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(connection);
        }
    }
}

// --- reading columns ---

fn corrupt(table: &str, column: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{table}.{column}: {detail}"))
}

fn value<'r>(
    row: &'r Row<'_>,
    index: usize,
    table: &str,
    column: &str,
) -> StoreResult<ValueRef<'r>> {
    row.get_ref(index)
        .map_err(|error| corrupt(table, column, error))
}

fn optional_str<'r>(
    row: &'r Row<'_>,
    index: usize,
    table: &str,
    column: &str,
) -> StoreResult<Option<&'r str>> {
    match value(row, index, table, column)? {
        ValueRef::Null => Ok(None),
        ValueRef::Text(bytes) => std::str::from_utf8(bytes)
            .map(Some)
            .map_err(|error| corrupt(table, column, format!("not UTF-8: {error}"))),
        other => Err(corrupt(
            table,
            column,
            format!("expected text, found {}", other.data_type()),
        )),
    }
}

fn str<'r>(row: &'r Row<'_>, index: usize, table: &str, column: &str) -> StoreResult<&'r str> {
    optional_str(row, index, table, column)?
        .ok_or_else(|| corrupt(table, column, "unexpected NULL"))
}

fn text(row: &Row<'_>, index: usize, table: &str, column: &str) -> StoreResult<String> {
    str(row, index, table, column).map(str::to_owned)
}

fn optional_integer(
    row: &Row<'_>,
    index: usize,
    table: &str,
    column: &str,
) -> StoreResult<Option<i64>> {
    match value(row, index, table, column)? {
        ValueRef::Null => Ok(None),
        ValueRef::Integer(value) => Ok(Some(value)),
        other => Err(corrupt(
            table,
            column,
            format!("expected an integer, found {}", other.data_type()),
        )),
    }
}

fn integer(row: &Row<'_>, index: usize, table: &str, column: &str) -> StoreResult<i64> {
    optional_integer(row, index, table, column)?
        .ok_or_else(|| corrupt(table, column, "unexpected NULL"))
}

fn time(row: &Row<'_>, index: usize, table: &str, column: &str) -> StoreResult<DateTime<Utc>> {
    parse_time(str(row, index, table, column)?, table, column)
}

fn optional_time(
    row: &Row<'_>,
    index: usize,
    table: &str,
    column: &str,
) -> StoreResult<Option<DateTime<Utc>>> {
    optional_str(row, index, table, column)?
        .map(|text| parse_time(text, table, column))
        .transpose()
}

fn named<T>(
    row: &Row<'_>,
    index: usize,
    table: &str,
    column: &str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> StoreResult<T> {
    let text = str(row, index, table, column)?;
    parse(text).ok_or_else(|| corrupt(table, column, format!("unknown name {text:?}")))
}

fn org_list(row: &Row<'_>, index: usize, table: &str, column: &str) -> StoreResult<Vec<OrgId>> {
    crate::rows::parse_org_list(str(row, index, table, column)?, table, column)
}

// --- the reads ---

const OBJECTS: &str = "stix_objects";

/// The columns of a page query, in the order [`stored_object`] reads them.
pub(crate) const OBJECT_COLUMNS: &str = "o.seq, o.id, o.type, o.spec_version, o.version, \
     o.date_added, o.tlp, o.audience, o.submitter, o.json";

fn stored_object(row: &Row<'_>) -> StoreResult<StoredObject> {
    Ok(StoredObject {
        seq: integer(row, 0, OBJECTS, "seq")?,
        id: text(row, 1, OBJECTS, "id")?,
        object_type: text(row, 2, OBJECTS, "type")?,
        spec_version: text(row, 3, OBJECTS, "spec_version")?,
        version: text(row, 4, OBJECTS, "version")?,
        date_added: time(row, 5, OBJECTS, "date_added")?,
        tlp: optional_str(row, 6, OBJECTS, "tlp")?
            .map(|label| {
                Tlp::from_label(label)
                    .ok_or_else(|| corrupt(OBJECTS, "tlp", format!("unknown TLP label {label:?}")))
            })
            .transpose()?,
        audience: org_list(row, 7, OBJECTS, "audience")?,
        submitter: optional_integer(row, 8, OBJECTS, "submitter")?.map(OrgId),
        json: text(row, 9, OBJECTS, "json")?,
    })
}

/// How the tenant stands to a community (`None`: neither owner nor member, or no such
/// community — not told apart).
fn standing(connection: &Connection, tenant: OrgId, id: &str) -> StoreResult<Option<Standing>> {
    let mut statement = connection
        .prepare_cached(
            "SELECT c.owner FROM communities c
             WHERE c.id = ?1 AND (c.owner = ?2 OR EXISTS
                 (SELECT 1 FROM memberships m WHERE m.community = c.id AND m.org = ?2))",
        )
        .map_err(database("looking up a community"))?;
    let mut rows = statement
        .query(rusqlite::params![id, tenant.0])
        .map_err(database("looking up a community"))?;
    let Some(row) = rows.next().map_err(database("looking up a community"))? else {
        return Ok(None);
    };
    let owner = integer(row, 0, "communities", "owner")?;
    Ok(Some(if owner == tenant.0 {
        Standing::Owner
    } else {
        Standing::Member
    }))
}

/// A page of a collection's objects with the tenant's standing, in one read transaction.
pub(crate) fn page(
    connection: &mut Connection,
    tenant: OrgId,
    collection: &str,
    query: &ObjectQuery,
) -> StoreResult<ObjectPage> {
    connection
        .prepare_cached("BEGIN")
        .and_then(|mut begin| begin.execute([]))
        .map_err(database("beginning a read"))?;
    let page = page_in_snapshot(connection, tenant, collection, query);
    // A read transaction has nothing to keep: COMMIT and ROLLBACK both just end it.
    connection
        .prepare_cached("COMMIT")
        .and_then(|mut commit| commit.execute([]))
        .map_err(database("ending a read"))?;
    page
}

fn page_in_snapshot(
    connection: &Connection,
    tenant: OrgId,
    collection: &str,
    query: &ObjectQuery,
) -> StoreResult<ObjectPage> {
    let Some(standing) = standing(connection, tenant, collection)? else {
        return Err(StoreError::NotFound(format!("collection {collection:?}")));
    };
    let (sql, params) = objects::page_sql("", collection, query);
    let mut statement = connection
        .prepare_cached(&sql)
        .map_err(database("reading objects"))?;
    let mut rows = statement
        .query(rusqlite::params_from_iter(params.iter()))
        .map_err(database("reading objects"))?;
    let mut objects = Vec::with_capacity(query.limit.min(1024));
    let mut more = false;
    while let Some(row) = rows.next().map_err(database("reading objects"))? {
        if objects.len() == query.limit {
            // The one row past the limit: there are more.
            more = true;
            break;
        }
        objects.push(stored_object(row)?);
    }
    Ok(ObjectPage {
        objects,
        more,
        standing,
    })
}

/// A token by id.
pub(crate) fn token(connection: &mut Connection, id: &str) -> StoreResult<Option<TokenRecord>> {
    const TABLE: &str = "tokens";
    let mut statement = connection
        .prepare_cached(
            "SELECT id, org, role, label, hash, created, revoked FROM tokens WHERE id = ?1",
        )
        .map_err(database("reading a token"))?;
    let mut rows = statement.query([id]).map_err(database("reading a token"))?;
    rows.next()
        .map_err(database("reading a token"))?
        .map(|row| {
            Ok(TokenRecord {
                id: text(row, 0, TABLE, "id")?,
                org: OrgId(integer(row, 1, TABLE, "org")?),
                role: named(row, 2, TABLE, "role", Role::parse)?,
                label: text(row, 3, TABLE, "label")?,
                hash: text(row, 4, TABLE, "hash")?,
                created: time(row, 5, TABLE, "created")?,
                revoked: optional_time(row, 6, TABLE, "revoked")?,
            })
        })
        .transpose()
}

/// An organization by id.
pub(crate) fn org(connection: &mut Connection, id: OrgId) -> StoreResult<Option<Org>> {
    const TABLE: &str = "orgs";
    let mut statement = connection
        .prepare_cached("SELECT id, name, kind, created FROM orgs WHERE id = ?1")
        .map_err(database("reading an organization"))?;
    let mut rows = statement
        .query([id.0])
        .map_err(database("reading an organization"))?;
    rows.next()
        .map_err(database("reading an organization"))?
        .map(|row| {
            Ok(Org {
                id: OrgId(integer(row, 0, TABLE, "id")?),
                name: text(row, 1, TABLE, "name")?,
                kind: named(row, 2, TABLE, "kind", OrgKind::parse)?,
                created: time(row, 3, TABLE, "created")?,
            })
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use kyoyu_store::{ObjectQuery, VersionMatch};

    use super::{INLINE_ROWS, is_short};

    fn plain(limit: usize) -> ObjectQuery {
        ObjectQuery {
            added_after: None,
            ids: Vec::new(),
            types: Vec::new(),
            spec_versions: Vec::new(),
            versions: VersionMatch::Last,
            after_seq: Some(7),
            limit,
        }
    }

    /// Only reads bounded by an index walk of at most a default page stay on the calling task.
    #[test]
    fn only_plain_default_pages_are_read_inline() {
        assert!(is_short(&plain(INLINE_ROWS)));
        assert!(is_short(&ObjectQuery {
            added_after: Some(chrono::Utc::now()),
            versions: VersionMatch::All,
            ids: vec!["indicator--1".into()],
            ..plain(10)
        }));
        assert!(!is_short(&plain(INLINE_ROWS + 1)), "a big page");
        for query in [
            ObjectQuery {
                types: vec!["indicator".into()],
                ..plain(10)
            },
            ObjectQuery {
                spec_versions: vec!["2.1".into()],
                ..plain(10)
            },
            ObjectQuery {
                ids: vec!["a".into(), "b".into()],
                ..plain(10)
            },
            ObjectQuery {
                versions: VersionMatch::First,
                ..plain(10)
            },
            ObjectQuery {
                versions: VersionMatch::Exact(vec!["x".into()]),
                ..plain(10)
            },
        ] {
            assert!(!is_short(&query), "{query:?} may walk many rows");
        }
    }
}
