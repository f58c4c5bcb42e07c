//! kyoyu's SQLite backend: [`SqliteStore`] implements [`kyoyu_store::Store`] over one database
//! file, `kyoyu.db`, in the server's data directory.
//!
//! Key decision: **one writer**. Writes go through a pool of exactly one connection and every
//! write transaction starts with `BEGIN IMMEDIATE`, so writes are serialized in the process and
//! hold SQLite's write lock from their first statement; that is what lets the audit log read its
//! newest hash and append after it inside the writer's transaction without a fork in the chain.
//! Reads go through read-only connections, which WAL mode lets run beside the writer: the hot
//! ones (a TAXII page with the reader's standing, a token, an organization) on a small
//! `rusqlite` pool run on tokio's blocking threads (`readers.rs`: one hand-off per call instead
//! of sqlx's one per row), the rest on a sqlx pool. `synchronous=FULL`: a POST whose status said
//! `complete` survives a power cut. Queries are plain runtime SQL (no compile-time checked
//! macros), written so a PostgreSQL backend can mirror them.

mod audit_log;
mod communities;
mod copy;
mod counts;
mod hub;
mod idempotency;
mod incidents;
mod jobs;
mod migrate;
mod objects;
mod orgs;
mod readers;
mod rows;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use kyoyu_store::{
    Actor, AuditAction, AuditEntry, CommunityRecord, HubSubmission, IncidentDoc, IncidentSummary,
    NewObject, ObjectPage, ObjectQuery, Org, OrgId, OrgKind, Part, Standing, StatusDetail,
    StatusRecord, Store, StoreError, StoreResult, TokenRecord, VersionMatch,
};
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqliteConnection, SqlitePool, Transaction};

use crate::readers::Readers;
use crate::rows::database;

/// The database file's name inside the data directory.
pub const DATABASE_FILE: &str = "kyoyu.db";

/// How many read connections run beside the writer, in each of the two read pools (sqlx for
/// the rest of the reads, rusqlite for the hot ones: see `readers.rs`).
const READERS: u32 = 4;

/// How long a connection waits for another process's lock on the file before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The SQLite store. Cheap to clone: the pools are shared.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    reader: SqlitePool,
    writer: SqlitePool,
    /// The hot reads (a TAXII page, a token, an organization by id): rusqlite on the blocking
    /// pool.
    readers: Arc<Readers>,
    path: PathBuf,
}

impl SqliteStore {
    /// Opens (creating if missing) the data directory `dir` and its database `kyoyu.db`, and
    /// applies the migrations this binary ships. Refuses a database written by a newer kyoyu.
    pub async fn open(dir: &Path) -> Result<SqliteStore, StoreError> {
        std::fs::create_dir_all(dir).map_err(|error| {
            StoreError::Database(format!(
                "creating the data directory {}: {error}",
                dir.display()
            ))
        })?;
        let path = dir.join(DATABASE_FILE);
        let options = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let context = |what: &str, error: sqlx::Error| {
            StoreError::Database(format!("{what} {}: {error}", path.display()))
        };
        // The one writer is kept open for the store's life: a pool that closed its last
        // connection would let SQLite remove the WAL files under the read-only readers.
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options.clone())
            .await
            .map_err(|error| context("opening the database", error))?;
        migrate::run(&writer, &path).await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(READERS)
            .test_before_acquire(false)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options.create_if_missing(false).read_only(true))
            .await
            .map_err(|error| context("opening read connections to", error))?;
        let readers = Arc::new(Readers::open(&path, READERS as usize, BUSY_TIMEOUT)?);
        Ok(SqliteStore {
            reader,
            writer,
            readers,
            path,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The newest schema migration this binary knows (the one every opened database has).
    pub fn schema_version() -> i64 {
        migrate::latest_version()
    }

    /// Closes every connection (after the writer's last commit, SQLite checkpoints the WAL).
    pub async fn close(&self) {
        self.readers.close();
        self.reader.close().await;
        self.writer.close().await;
    }

    /// Runs `work` in a write transaction on the one writer and commits it. `BEGIN IMMEDIATE`
    /// takes SQLite's write lock at the first statement, so writes serialize (and the audit
    /// chain's "read the newest hash, append after it" cannot fork); when `work` fails, the
    /// transaction is dropped uncommitted and rolls back.
    async fn write<T>(
        &self,
        work: impl AsyncFnOnce(&mut SqliteConnection) -> StoreResult<T>,
    ) -> StoreResult<T> {
        let mut connection = self
            .writer
            .acquire()
            .await
            .map_err(database("getting the writer"))?;
        resync_transaction_depth(&mut connection).await?;
        let transaction = sqlx::Connection::begin_with(&mut *connection, "BEGIN IMMEDIATE")
            .await
            .map_err(database("beginning a write"))?;
        in_transaction(transaction, work).await
    }

    async fn read(&self) -> StoreResult<PoolConnection<Sqlite>> {
        self.reader
            .acquire()
            .await
            .map_err(database("getting a read connection"))
    }

    /// Runs `work` in a read transaction: one snapshot for reads that must agree with each
    /// other.
    async fn read_snapshot<T>(
        &self,
        work: impl AsyncFnOnce(&mut SqliteConnection) -> StoreResult<T>,
    ) -> StoreResult<T> {
        let transaction = self
            .reader
            .begin()
            .await
            .map_err(database("beginning a read"))?;
        in_transaction(transaction, work).await
    }
}

/// Brings sqlx's count of the transactions open on the writer back to SQLite's own state.
///
/// sqlx counts the transactions it began on a connection and refuses a `BEGIN` while the count
/// is not zero. When SQLite ends a transaction by itself — a `COMMIT` that fails because the
/// disk is full rolls it back — the `ROLLBACK` sqlx sends when the transaction is dropped fails
/// ("no transaction is active") and the count stays at one: with a single writer, every write
/// after a moment of full disk failed until a restart (found by the full-disk fault test). The
/// count is checked before each write (free when it is zero) and, if it is still not zero once
/// any rollback on its way has landed, given a transaction to end: a `BEGIN` sqlx does not
/// count (refused, harmlessly, if SQLite is in one after all), then sqlx's own `ROLLBACK`.
async fn resync_transaction_depth(connection: &mut SqliteConnection) -> StoreResult<()> {
    use sqlx::{Connection, TransactionManager};
    if !connection.is_in_transaction() {
        return Ok(());
    }
    // The rollback of a transaction dropped just before is queued on the connection: a
    // statement after it lets it land first.
    sqlx::query("SELECT 1")
        .execute(&mut *connection)
        .await
        .map_err(database("checking the writer"))?;
    if !connection.is_in_transaction() {
        return Ok(());
    }
    let _ = sqlx::query("BEGIN").execute(&mut *connection).await;
    <Sqlite as sqlx::Database>::TransactionManager::rollback(connection)
        .await
        .map_err(database("ending a transaction SQLite had ended"))
}

/// Runs `work` inside `transaction` and commits when it succeeded; on failure the transaction
/// is dropped, which rolls it back before its connection is reused.
async fn in_transaction<T>(
    mut transaction: Transaction<'_, Sqlite>,
    work: impl AsyncFnOnce(&mut SqliteConnection) -> StoreResult<T>,
) -> StoreResult<T> {
    let value = work(&mut *transaction).await?;
    transaction.commit().await.map_err(database("committing"))?;
    Ok(value)
}

#[async_trait]
impl Store for SqliteStore {
    async fn system_create_org(
        &self,
        actor: &Actor,
        name: &str,
        kind: OrgKind,
    ) -> StoreResult<Org> {
        self.write(async |connection| orgs::create_org(connection, actor, name, kind).await)
            .await
    }

    async fn system_org_by_name(&self, name: &str) -> StoreResult<Option<Org>> {
        orgs::org_by_name(&mut *self.read().await?, name).await
    }

    async fn system_org(&self, id: OrgId) -> StoreResult<Option<Org>> {
        self.readers
            .run_inline(move |connection| readers::org(connection, id))
            .await
    }

    async fn system_orgs(&self) -> StoreResult<Vec<Org>> {
        orgs::orgs(&mut *self.read().await?).await
    }

    async fn system_create_token(&self, actor: &Actor, token: &TokenRecord) -> StoreResult<()> {
        self.write(async |connection| orgs::create_token(connection, actor, token).await)
            .await
    }

    async fn system_token(&self, id: &str) -> StoreResult<Option<TokenRecord>> {
        let id = id.to_owned();
        self.readers
            .run_inline(move |connection| readers::token(connection, &id))
            .await
    }

    async fn revoke_token(&self, tenant: OrgId, actor: &Actor, id: &str) -> StoreResult<()> {
        self.write(async |connection| orgs::revoke_token(connection, tenant, actor, id).await)
            .await
    }

    async fn create_incident(
        &self,
        tenant: OrgId,
        actor: &Actor,
        incident: &IncidentDoc,
    ) -> StoreResult<()> {
        self.write(async |connection| incidents::create(connection, tenant, actor, incident).await)
            .await
    }

    async fn incidents(&self, tenant: OrgId) -> StoreResult<Vec<IncidentSummary>> {
        incidents::list(&mut *self.read().await?, tenant).await
    }

    async fn incident(&self, tenant: OrgId, id: &str) -> StoreResult<Option<IncidentDoc>> {
        self.read_snapshot(async |connection| incidents::get(connection, tenant, id).await)
            .await
    }

    async fn append(
        &self,
        tenant: OrgId,
        actor: &Actor,
        id: &str,
        expected_version: i64,
        part: Part,
        entries: &[serde_json::Value],
    ) -> StoreResult<i64> {
        self.write(async |connection| {
            incidents::append(
                connection,
                tenant,
                actor,
                id,
                expected_version,
                part,
                entries,
            )
            .await
        })
        .await
    }

    async fn replace_header(
        &self,
        tenant: OrgId,
        actor: &Actor,
        id: &str,
        expected_version: i64,
        header: &serde_json::Value,
    ) -> StoreResult<i64> {
        self.write(async |connection| {
            incidents::replace_header(connection, tenant, actor, id, expected_version, header).await
        })
        .await
    }

    async fn grant_consent(&self, tenant: OrgId, actor: &Actor, vendor: OrgId) -> StoreResult<()> {
        self.write(async |connection| orgs::grant_consent(connection, tenant, actor, vendor).await)
            .await
    }

    async fn withdraw_consent(
        &self,
        tenant: OrgId,
        actor: &Actor,
        vendor: OrgId,
    ) -> StoreResult<()> {
        self.write(async |connection| {
            orgs::withdraw_consent(connection, tenant, actor, vendor).await
        })
        .await
    }

    async fn hub_add_submission(
        &self,
        tenant: OrgId,
        submission: &HubSubmission,
        member: Option<OrgId>,
    ) -> StoreResult<()> {
        self.write(async |connection| hub::add(connection, tenant, submission, member).await)
            .await
    }

    async fn hub_submissions(
        &self,
        tenant: OrgId,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Vec<HubSubmission>> {
        hub::list(&mut *self.read().await?, tenant, after, limit).await
    }

    async fn hub_submission_by_receipt(
        &self,
        tenant: OrgId,
        receipt_hash: &str,
    ) -> StoreResult<Option<HubSubmission>> {
        hub::by_receipt(&mut *self.read().await?, tenant, receipt_hash).await
    }

    async fn hub_provenance(
        &self,
        tenant: OrgId,
        actor: &Actor,
        submission: &str,
    ) -> StoreResult<Option<OrgId>> {
        self.write(async |connection| hub::provenance(connection, tenant, actor, submission).await)
            .await
    }

    async fn consents_held(&self, tenant: OrgId) -> StoreResult<Vec<OrgId>> {
        orgs::consents_held(&mut *self.read().await?, tenant).await
    }

    async fn create_community(
        &self,
        tenant: OrgId,
        actor: &Actor,
        community: &CommunityRecord,
    ) -> StoreResult<()> {
        self.write(async |connection| {
            communities::create(connection, tenant, actor, community).await
        })
        .await
    }

    async fn add_member(
        &self,
        tenant: OrgId,
        actor: &Actor,
        community: &str,
        member: OrgId,
    ) -> StoreResult<()> {
        self.write(async |connection| {
            communities::add_member(connection, tenant, actor, community, member).await
        })
        .await
    }

    async fn remove_member(
        &self,
        tenant: OrgId,
        actor: &Actor,
        community: &str,
        member: OrgId,
    ) -> StoreResult<()> {
        self.write(async |connection| {
            communities::remove_member(connection, tenant, actor, community, member).await
        })
        .await
    }

    async fn communities(&self, tenant: OrgId) -> StoreResult<Vec<(CommunityRecord, Standing)>> {
        communities::list(&mut *self.read().await?, tenant).await
    }

    async fn community(
        &self,
        tenant: OrgId,
        id: &str,
    ) -> StoreResult<Option<(CommunityRecord, Standing)>> {
        communities::get(&mut *self.read().await?, tenant, id).await
    }

    async fn members(&self, tenant: OrgId, community: &str) -> StoreResult<Vec<OrgId>> {
        self.read_snapshot(async |connection| {
            communities::members(connection, tenant, community).await
        })
        .await
    }

    async fn add_objects(
        &self,
        tenant: OrgId,
        actor: &Actor,
        collection: &str,
        objects: &[NewObject],
        failures: Vec<StatusDetail>,
        effects: &kyoyu_store::Effects<'_>,
    ) -> StoreResult<StatusRecord> {
        self.write(async |connection| {
            objects::add(
                connection, tenant, actor, collection, objects, failures, effects,
            )
            .await
        })
        .await
    }

    async fn objects(
        &self,
        tenant: OrgId,
        collection: &str,
        query: &ObjectQuery,
    ) -> StoreResult<ObjectPage> {
        if readers::is_short(query) {
            return self
                .readers
                .run_inline(|connection| readers::page(connection, tenant, collection, query))
                .await;
        }
        let collection = collection.to_owned();
        let query = query.clone();
        self.readers
            .run(move |connection| readers::page(connection, tenant, &collection, &query))
            .await
    }

    async fn delete_object(
        &self,
        tenant: OrgId,
        actor: &Actor,
        collection: &str,
        id: &str,
        versions: &VersionMatch,
    ) -> StoreResult<u64> {
        self.write(async |connection| {
            objects::delete(connection, tenant, actor, collection, id, versions).await
        })
        .await
    }

    async fn status(&self, tenant: OrgId, id: &str) -> StoreResult<Option<StatusRecord>> {
        objects::status(&mut *self.read().await?, tenant, id).await
    }

    async fn keyed_request(
        &self,
        org: OrgId,
        key: &str,
    ) -> StoreResult<Option<kyoyu_store::KeyedRequest>> {
        idempotency::lookup(&mut *self.read().await?, org, key).await
    }

    async fn save_response(
        &self,
        org: OrgId,
        key: &kyoyu_store::RequestKey,
        response: &kyoyu_store::SavedResponse,
    ) -> StoreResult<bool> {
        self.write(async |connection| idempotency::save(connection, org, key, response).await)
            .await
    }

    async fn system_count_requests(
        &self,
        counts: &[kyoyu_store::RequestCount],
        oldest: i64,
    ) -> StoreResult<Vec<u64>> {
        self.write(async |connection| counts::add(connection, counts, oldest).await)
            .await
    }

    async fn audit(
        &self,
        tenant: OrgId,
        actor: &Actor,
        action: &AuditAction,
    ) -> StoreResult<AuditEntry> {
        self.write(async |connection| {
            audit_log::append(connection, Some(tenant), actor, action).await
        })
        .await
    }

    async fn audit_entries(
        &self,
        tenant: OrgId,
        after_seq: i64,
        limit: usize,
    ) -> StoreResult<Vec<AuditEntry>> {
        audit_log::entries(&mut *self.read().await?, Some(tenant), after_seq, limit).await
    }

    async fn system_audit_log(&self, after_seq: i64, limit: usize) -> StoreResult<Vec<AuditEntry>> {
        audit_log::entries(&mut *self.read().await?, None, after_seq, limit).await
    }

    async fn system_enqueue(&self, job: &kyoyu_store::NewJob) -> StoreResult<i64> {
        let now = rows::now();
        self.write(async |connection| jobs::enqueue(connection, job, now).await)
            .await
    }

    async fn system_claim(
        &self,
        worker: &str,
        kinds: &[&str],
        lease: Duration,
        limit: usize,
        now: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<Vec<kyoyu_store::Job>> {
        self.write(async |connection| {
            jobs::claim(connection, worker, kinds, lease, limit, now).await
        })
        .await
    }

    async fn system_finish(
        &self,
        worker: &str,
        ends: &[kyoyu_store::JobEnd],
        now: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<Vec<bool>> {
        self.write(async |connection| jobs::finish(connection, worker, ends, now).await)
            .await
    }

    async fn system_queue_stats(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<kyoyu_store::QueueStats> {
        jobs::stats(&mut *self.read().await?, now).await
    }

    async fn system_schedule_due(
        &self,
        name: &str,
        every: Duration,
        now: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<bool> {
        self.write(async |connection| jobs::schedule_due(connection, name, every, now).await)
            .await
    }

    async fn system_dump(&self) -> StoreResult<Box<dyn kyoyu_store::StoreDump>> {
        let transaction = self
            .reader
            .begin()
            .await
            .map_err(database("beginning the read of a copy"))?;
        Ok(Box::new(copy::SqliteDump { transaction }))
    }

    async fn system_load(&self) -> StoreResult<Box<dyn kyoyu_store::StoreLoad>> {
        let mut transaction = self
            .writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(database("beginning the write of a copy"))?;
        copy::check_empty(&mut transaction).await?;
        Ok(Box::new(copy::SqliteLoad { transaction }))
    }

    async fn system_row_counts(&self) -> StoreResult<kyoyu_store::copy::RowCounts> {
        self.read_snapshot(async |connection| copy::row_counts(connection).await)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use sqlx::Row;

    async fn pragma(pool: &SqlitePool, name: &str) -> String {
        let row = sqlx::query(&format!("PRAGMA {name}"))
            .fetch_one(pool)
            .await
            .expect("a pragma");
        row.try_get::<String, _>(0)
            .or_else(|_| row.try_get::<i64, _>(0).map(|value| value.to_string()))
            .expect("a pragma value")
    }

    #[tokio::test]
    async fn both_pools_run_with_the_durable_settings_and_readers_cannot_write() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).await.unwrap();
        for pool in [&store.writer, &store.reader] {
            assert_eq!(pragma(pool, "journal_mode").await, "wal");
            // 2 = FULL: the WAL is synced at every commit.
            assert_eq!(pragma(pool, "synchronous").await, "2");
            assert_eq!(pragma(pool, "foreign_keys").await, "1");
            assert_eq!(pragma(pool, "busy_timeout").await, "5000");
        }
        assert_eq!(store.writer.options().get_max_connections(), 1);
        let write = sqlx::query("DELETE FROM orgs").execute(&store.reader).await;
        assert!(write.is_err(), "a read connection must not write");
        // The hot read path's connections: the same file in WAL mode, the same busy timeout,
        // and read-only too.
        let (journal, busy, write) = store
            .readers
            .run(|connection| {
                let pragma = |name: &str| {
                    connection
                        .query_row(&format!("PRAGMA {name}"), [], |row| {
                            row.get::<_, rusqlite::types::Value>(0)
                        })
                        .expect("a pragma")
                };
                let journal = pragma("journal_mode");
                let busy = pragma("busy_timeout");
                let write = connection.execute("DELETE FROM orgs", []);
                Ok((journal, busy, write.is_err()))
            })
            .await
            .unwrap();
        assert_eq!(journal, rusqlite::types::Value::Text("wal".into()));
        assert_eq!(busy, rusqlite::types::Value::Integer(5000));
        assert!(write, "a read connection must not write");
        store.close().await;
    }

    /// The plan's lines for a page query, on the read path that runs it.
    async fn plan(store: &SqliteStore, query: &ObjectQuery) -> Vec<String> {
        let (sql, params) = objects::page_sql("EXPLAIN QUERY PLAN ", "c", query);
        store
            .readers
            .run(move |connection| {
                let mut statement = connection.prepare(&sql).expect("a plan");
                let rows = statement
                    .query_map(rusqlite::params_from_iter(params.iter()), |row| {
                        row.get::<_, String>("detail")
                    })
                    .expect("a plan");
                Ok(rows.map(|row| row.expect("detail")).collect())
            })
            .await
            .expect("a plan")
    }

    /// Adding an object looks up its versions by the unique (collection, id, version) index,
    /// never by walking the collection (which made a load of 100,000 objects quadratic).
    #[tokio::test]
    async fn adding_an_object_looks_up_its_versions_by_index() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).await.unwrap();
        let plan: Vec<String> = store
            .readers
            .run(|connection| {
                let sql = format!("EXPLAIN QUERY PLAN {}", objects::VERSIONS_OF_ONE);
                let mut statement = connection.prepare(&sql).expect("a plan");
                let rows = statement
                    .query_map(["c", "indicator--1"], |row| row.get::<_, String>("detail"))
                    .expect("a plan");
                Ok(rows.map(|row| row.expect("detail")).collect())
            })
            .await
            .expect("a plan");
        let text = plan.join("\n");
        assert!(
            plan.iter().any(|line| line.starts_with("SEARCH")
                && line.contains("sqlite_autoindex_stix_objects")
                && line.contains("collection=? AND id=?")),
            "{text}"
        );
        assert!(!plan.iter().any(|line| line.starts_with("SCAN")), "{text}");
        store.close().await;
    }

    #[tokio::test]
    async fn page_queries_walk_an_index_in_seq_order() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).await.unwrap();
        let base = ObjectQuery {
            after_seq: Some(100),
            limit: 100,
            ..ObjectQuery::default()
        };
        let added_after = Some(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap());
        let cases = [
            (base.clone(), "stix_objects_latest"),
            (
                ObjectQuery {
                    added_after,
                    after_seq: None,
                    ..base.clone()
                },
                "stix_objects_latest",
            ),
            (
                ObjectQuery {
                    versions: VersionMatch::All,
                    types: vec!["indicator".into()],
                    ..base.clone()
                },
                "stix_objects_collection_seq",
            ),
            (
                ObjectQuery {
                    versions: VersionMatch::First,
                    ..base.clone()
                },
                "stix_objects_collection_seq",
            ),
            (
                ObjectQuery {
                    versions: VersionMatch::Exact(vec!["v".into()]),
                    spec_versions: vec!["2.1".into()],
                    ..base.clone()
                },
                "stix_objects_collection_seq",
            ),
        ];
        for (query, index) in cases {
            let plan = plan(&store, &query).await;
            let text = plan.join("\n");
            assert!(
                plan.iter()
                    .any(|line| line.starts_with("SEARCH o USING") && line.contains(index)),
                "{query:?} should walk {index}:\n{text}"
            );
            assert!(
                !text.contains("TEMP B-TREE") && !plan.iter().any(|l| l.starts_with("SCAN")),
                "{query:?} must neither sort nor scan:\n{text}"
            );
        }
        store.close().await;
    }
}
