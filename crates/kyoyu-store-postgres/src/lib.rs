//! kyoyu's PostgreSQL backend: [`PostgresStore`] implements [`kyoyu_store::Store`] over one
//! schema of a PostgreSQL database, for servers that outgrow one machine (several kyoyu
//! processes on one database).
//!
//! Key decisions:
//! - **Tenant isolation twice.** Every query names its tenant, as on SQLite, *and* the
//!   database enforces it: every table holding a tenant's data has row-level security with
//!   policies keyed on the transaction-local setting `kyoyu.tenant`. Each store call is one
//!   transaction that starts with `set_config('kyoyu.tenant', '<id>', true)` (`system` for the
//!   `system_*` methods), and every pooled connection runs as the role `kyoyu_app`
//!   (`SET ROLE` when it connects), which owns nothing, so the policies apply to it. The
//!   connecting user owns the schema and runs only the migrations; the tables are not
//!   `FORCE ROW LEVEL SECURITY`, because the policies' membership tests are `SECURITY DEFINER`
//!   functions that must read `memberships` and `communities` whole (a policy reading another
//!   table under that table's policy would recurse). A query that forgot its `WHERE tenant`
//!   still sees nothing of another tenant; a transaction that set no tenant sees nothing at all.
//! - **The audit chain's append point is one locked row** (`audit_head`, `SELECT … FOR
//!   UPDATE` in the transaction of the change it records; `audit_log.rs`), so writers in any
//!   number of processes append one chain. Object writes serialize on the clock row first
//!   (`objects.rs`), so `seq` and `date_added` are handed out in commit order.
//! - Writes run at READ COMMITTED with explicit row locks (the rows they check and change);
//!   reads run in one READ ONLY, REPEATABLE READ transaction, so reads that must agree (an
//!   incident's header and entries, a page and the reader's standing) see one snapshot.
//! - Runtime SQL only (no sqlx macros, no database needed to build); the schema is this
//!   crate's own `migrations/`, applied by its own runner (`migrate.rs`).

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
mod rows;

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use kyoyu_store::{
    Actor, AuditAction, AuditEntry, CommunityRecord, HubSubmission, IncidentDoc, IncidentSummary,
    NewObject, ObjectPage, ObjectQuery, Org, OrgId, OrgKind, Part, Standing, StatusDetail,
    StatusRecord, Store, StoreError, StoreResult, TokenRecord, VersionMatch,
};
use sqlx::postgres::PgPoolOptions;
use sqlx::{ConnectOptions, Connection, Executor, PgConnection, PgPool, Postgres, Transaction};

use crate::rows::{database, get};

/// The connection options [`PostgresStore::open_with`] takes (sqlx's).
pub use sqlx::postgres::PgConnectOptions;

/// The role every pooled connection runs as: no login, owns nothing, subject to the policies.
pub const APP_ROLE: &str = "kyoyu_app";

/// The transaction-local setting the policies read: a tenant's id, or [`SYSTEM_SCOPE`].
pub const TENANT_SETTING: &str = "kyoyu.tenant";

/// The value of [`TENANT_SETTING`] for the `system_*` methods.
pub const SYSTEM_SCOPE: &str = "system";

/// The value of [`TENANT_SETTING`] for the whole-store copy (`system_dump`, `system_load`,
/// `system_row_counts`): every row of every table, and nothing any other call may set.
pub const COPY_SCOPE: &str = "copy";

/// Connections per store (PostgreSQL's default allows 100 in all).
const POOL_SIZE: u32 = 8;

/// How long a call waits for a connection before failing with `StoreError::Unavailable` (a
/// 503 with `Retry-After: 5`). sqlx keeps retrying a refused connection until then, so while
/// PostgreSQL is down or restarting a request waits this long at most: short enough that the
/// client hears "retry later" before its own timeout would take the wait for a hang, long
/// enough to ride out a fast restart.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// Whose rows a transaction may touch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// One tenant's (and what its communities share with it).
    Tenant(OrgId),
    /// The registry and the whole audit log: the `system_*` methods.
    System,
    /// Every row of every table: the whole-store copy only.
    Copy,
}

impl Scope {
    fn setting(self) -> String {
        match self {
            Scope::Tenant(tenant) => tenant.0.to_string(),
            Scope::System => SYSTEM_SCOPE.to_owned(),
            Scope::Copy => COPY_SCOPE.to_owned(),
        }
    }
}

/// The PostgreSQL store. Cheap to clone: the pool is shared.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user@host:port/database`, with
    /// `?options=-csearch_path%3Dschema` for a schema other than `public`) and applies the
    /// migrations this binary ships. Refuses a schema written by a newer kyoyu.
    pub async fn open(url: &str) -> Result<PostgresStore, StoreError> {
        let options = PgConnectOptions::from_str(url).map_err(|error| {
            StoreError::Database(format!("the database URL is not valid: {error}"))
        })?;
        Self::open_with(options).await
    }

    /// [`open`](Self::open) with options already built (tests set the schema through
    /// `options([("search_path", …)])`).
    pub async fn open_with(options: PgConnectOptions) -> Result<PostgresStore, StoreError> {
        // Named in pg_stat_activity; a caller's own name (a test's schema) is kept.
        let options = match options.get_application_name() {
            Some(_) => options,
            None => options.application_name("kyoyu"),
        };
        let mut owner = options.connect().await.map_err(|error| {
            StoreError::Database(format!("connecting to the database: {error}"))
        })?;
        let place = place(&mut owner).await?;
        migrate::run(&mut owner, &place).await?;
        owner
            .close()
            .await
            .map_err(database("closing the migration connection"))?;

        let pool = PgPoolOptions::new()
            .max_connections(POOL_SIZE)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            // No ping before every acquire (a round trip per store call: sqlx already pings a
            // connection when it goes back). A connection a database restart broke fails its
            // first statement, which is a 503 with `Retry-After`, and is not reused; the fault
            // tests restart PostgreSQL under load.
            .test_before_acquire(false)
            .after_connect(|connection, _| {
                Box::pin(async move {
                    connection
                        .execute(format!("SET ROLE {APP_ROLE}").as_str())
                        .await?;
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(|error| {
                StoreError::Database(format!("{place}: opening the connection pool: {error}"))
            })?;
        let store = PostgresStore { pool };
        store.check_row_security(&place).await?;
        Ok(store)
    }

    /// The newest schema migration this binary knows (the one every opened schema has).
    pub fn schema_version() -> i64 {
        migrate::latest_version()
    }

    /// Closes every connection.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Refuses to run when the role the pool runs as would bypass the policies (a superuser,
    /// `BYPASSRLS`, or the tables' owner), rather than serve without them.
    async fn check_row_security(&self, place: &str) -> StoreResult<()> {
        let row = sqlx::query(
            "SELECT r.rolsuper OR r.rolbypassrls AS bypass,
                    pg_get_userbyid(c.relowner) = current_user AS owns
             FROM pg_roles r, pg_class c
             WHERE r.rolname = current_user AND c.oid = 'audit_log'::regclass",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(database("checking the application role"))?;
        let bypass: bool = get(&row, "pg_roles", "bypass")?;
        let owns: bool = get(&row, "pg_class", "owns")?;
        if bypass || owns {
            return Err(StoreError::Database(format!(
                "{place}: the role {APP_ROLE} would bypass row-level security (it is a \
                 superuser, has BYPASSRLS or owns the tables); kyoyu refuses to run without \
                 the tenant policies"
            )));
        }
        Ok(())
    }

    /// Begins a transaction in `scope`: the policies see the tenant (or the system) from the
    /// first statement on, and the setting ends with the transaction.
    async fn begin(
        &self,
        scope: Scope,
        read_only: bool,
    ) -> StoreResult<Transaction<'static, Postgres>> {
        let begin = if read_only {
            "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"
        } else {
            "BEGIN"
        };
        // The scope is set in the round trip of the BEGIN (one simple query of two
        // statements): a round trip less for every call. The value is an organization's id or
        // one of the fixed scope words, never text from a request, so it is written into the
        // statement as it is.
        let setting = scope.setting();
        debug_assert!(
            setting.bytes().all(|byte| byte.is_ascii_alphanumeric()),
            "{setting}"
        );
        self.pool
            .begin_with(format!(
                "{begin}; SELECT set_config('{TENANT_SETTING}', '{setting}', true)"
            ))
            .await
            .map_err(database("beginning a transaction in its scope"))
    }

    /// Runs `work` in a write transaction in `scope` and commits it; when `work` fails, the
    /// transaction is dropped uncommitted and rolls back.
    async fn write<T>(
        &self,
        scope: Scope,
        work: impl AsyncFnOnce(&mut PgConnection) -> StoreResult<T>,
    ) -> StoreResult<T> {
        let transaction = self.begin(scope, false).await?;
        in_transaction(transaction, work).await
    }

    /// Runs `work` in a read-only transaction in `scope`: one snapshot.
    async fn read<T>(
        &self,
        scope: Scope,
        work: impl AsyncFnOnce(&mut PgConnection) -> StoreResult<T>,
    ) -> StoreResult<T> {
        let transaction = self.begin(scope, true).await?;
        in_transaction(transaction, work).await
    }
}

/// The database and schema the options lead to, for messages (never the password).
async fn place(connection: &mut PgConnection) -> StoreResult<String> {
    let row = sqlx::query(
        "SELECT current_database() AS database, coalesce(current_schema(), '') AS schema",
    )
    .fetch_one(&mut *connection)
    .await
    .map_err(database("reading the current database"))?;
    let database: String = get(&row, "current_database", "database")?;
    let schema: String = get(&row, "current_schema", "schema")?;
    if schema.is_empty() {
        return Err(StoreError::Database(format!(
            "database {database}: no schema of the search_path exists; create it first"
        )));
    }
    Ok(format!("database {database}, schema {schema}"))
}

/// Runs `work` inside `transaction` and commits when it succeeded; on failure the transaction
/// is dropped, which rolls it back before its connection is reused.
async fn in_transaction<T>(
    mut transaction: Transaction<'static, Postgres>,
    work: impl AsyncFnOnce(&mut PgConnection) -> StoreResult<T>,
) -> StoreResult<T> {
    let value = work(&mut *transaction).await?;
    transaction.commit().await.map_err(database("committing"))?;
    Ok(value)
}

#[async_trait]
impl Store for PostgresStore {
    async fn system_create_org(
        &self,
        actor: &Actor,
        name: &str,
        kind: OrgKind,
    ) -> StoreResult<Org> {
        self.write(Scope::System, async |connection| {
            orgs::create_org(connection, actor, name, kind).await
        })
        .await
    }

    async fn system_org_by_name(&self, name: &str) -> StoreResult<Option<Org>> {
        self.read(Scope::System, async |connection| {
            orgs::org_by_name(connection, name).await
        })
        .await
    }

    async fn system_org(&self, id: OrgId) -> StoreResult<Option<Org>> {
        self.read(Scope::System, async |connection| {
            orgs::org_by_id(connection, id).await
        })
        .await
    }

    async fn system_orgs(&self) -> StoreResult<Vec<Org>> {
        self.read(Scope::System, async |connection| {
            orgs::orgs(connection).await
        })
        .await
    }

    async fn system_create_token(&self, actor: &Actor, token: &TokenRecord) -> StoreResult<()> {
        self.write(Scope::System, async |connection| {
            orgs::create_token(connection, actor, token).await
        })
        .await
    }

    async fn system_token(&self, id: &str) -> StoreResult<Option<TokenRecord>> {
        self.read(Scope::System, async |connection| {
            orgs::token(connection, id).await
        })
        .await
    }

    async fn revoke_token(&self, tenant: OrgId, actor: &Actor, id: &str) -> StoreResult<()> {
        self.write(Scope::Tenant(tenant), async |connection| {
            orgs::revoke_token(connection, tenant, actor, id).await
        })
        .await
    }

    async fn create_incident(
        &self,
        tenant: OrgId,
        actor: &Actor,
        incident: &IncidentDoc,
    ) -> StoreResult<()> {
        self.write(Scope::Tenant(tenant), async |connection| {
            incidents::create(connection, tenant, actor, incident).await
        })
        .await
    }

    async fn incidents(&self, tenant: OrgId) -> StoreResult<Vec<IncidentSummary>> {
        self.read(Scope::Tenant(tenant), async |connection| {
            incidents::list(connection, tenant).await
        })
        .await
    }

    async fn incident(&self, tenant: OrgId, id: &str) -> StoreResult<Option<IncidentDoc>> {
        self.read(Scope::Tenant(tenant), async |connection| {
            incidents::get_incident(connection, tenant, id).await
        })
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
        self.write(Scope::Tenant(tenant), async |connection| {
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
        self.write(Scope::Tenant(tenant), async |connection| {
            incidents::replace_header(connection, tenant, actor, id, expected_version, header).await
        })
        .await
    }

    async fn grant_consent(&self, tenant: OrgId, actor: &Actor, vendor: OrgId) -> StoreResult<()> {
        self.write(Scope::Tenant(tenant), async |connection| {
            orgs::grant_consent(connection, tenant, actor, vendor).await
        })
        .await
    }

    async fn withdraw_consent(
        &self,
        tenant: OrgId,
        actor: &Actor,
        vendor: OrgId,
    ) -> StoreResult<()> {
        self.write(Scope::Tenant(tenant), async |connection| {
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
        self.write(Scope::Tenant(tenant), async |connection| {
            hub::add(connection, tenant, submission, member).await
        })
        .await
    }

    async fn hub_submissions(
        &self,
        tenant: OrgId,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Vec<HubSubmission>> {
        self.read(Scope::Tenant(tenant), async |connection| {
            hub::list(connection, tenant, after, limit).await
        })
        .await
    }

    async fn hub_submission_by_receipt(
        &self,
        tenant: OrgId,
        receipt_hash: &str,
    ) -> StoreResult<Option<HubSubmission>> {
        self.read(Scope::Tenant(tenant), async |connection| {
            hub::by_receipt(connection, tenant, receipt_hash).await
        })
        .await
    }

    async fn hub_provenance(
        &self,
        tenant: OrgId,
        actor: &Actor,
        submission: &str,
    ) -> StoreResult<Option<OrgId>> {
        self.write(Scope::Tenant(tenant), async |connection| {
            hub::provenance(connection, tenant, actor, submission).await
        })
        .await
    }

    async fn consents_held(&self, tenant: OrgId) -> StoreResult<Vec<OrgId>> {
        self.read(Scope::Tenant(tenant), async |connection| {
            orgs::consents_held(connection, tenant).await
        })
        .await
    }

    async fn create_community(
        &self,
        tenant: OrgId,
        actor: &Actor,
        community: &CommunityRecord,
    ) -> StoreResult<()> {
        self.write(Scope::Tenant(tenant), async |connection| {
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
        self.write(Scope::Tenant(tenant), async |connection| {
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
        self.write(Scope::Tenant(tenant), async |connection| {
            communities::remove_member(connection, tenant, actor, community, member).await
        })
        .await
    }

    async fn communities(&self, tenant: OrgId) -> StoreResult<Vec<(CommunityRecord, Standing)>> {
        self.read(Scope::Tenant(tenant), async |connection| {
            communities::list(connection, tenant).await
        })
        .await
    }

    async fn community(
        &self,
        tenant: OrgId,
        id: &str,
    ) -> StoreResult<Option<(CommunityRecord, Standing)>> {
        self.read(Scope::Tenant(tenant), async |connection| {
            communities::get_community(connection, tenant, id).await
        })
        .await
    }

    async fn members(&self, tenant: OrgId, community: &str) -> StoreResult<Vec<OrgId>> {
        self.read(Scope::Tenant(tenant), async |connection| {
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
        self.write(Scope::Tenant(tenant), async |connection| {
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
        self.read(Scope::Tenant(tenant), async |connection| {
            objects::page(connection, tenant, collection, query).await
        })
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
        self.write(Scope::Tenant(tenant), async |connection| {
            objects::delete(connection, tenant, actor, collection, id, versions).await
        })
        .await
    }

    async fn status(&self, tenant: OrgId, id: &str) -> StoreResult<Option<StatusRecord>> {
        self.read(Scope::Tenant(tenant), async |connection| {
            objects::status(connection, tenant, id).await
        })
        .await
    }

    async fn keyed_request(
        &self,
        org: OrgId,
        key: &str,
    ) -> StoreResult<Option<kyoyu_store::KeyedRequest>> {
        self.read(Scope::Tenant(org), async |connection| {
            idempotency::lookup(connection, org, key).await
        })
        .await
    }

    async fn save_response(
        &self,
        org: OrgId,
        key: &kyoyu_store::RequestKey,
        response: &kyoyu_store::SavedResponse,
    ) -> StoreResult<bool> {
        self.write(Scope::Tenant(org), async |connection| {
            idempotency::save(connection, org, key, response).await
        })
        .await
    }

    async fn system_count_requests(
        &self,
        counts: &[kyoyu_store::RequestCount],
        oldest: i64,
    ) -> StoreResult<Vec<u64>> {
        self.write(Scope::System, async |connection| {
            counts::add(connection, counts, oldest).await
        })
        .await
    }

    async fn audit(
        &self,
        tenant: OrgId,
        actor: &Actor,
        action: &AuditAction,
    ) -> StoreResult<AuditEntry> {
        self.write(Scope::Tenant(tenant), async |connection| {
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
        self.read(Scope::Tenant(tenant), async |connection| {
            audit_log::entries(connection, Some(tenant), after_seq, limit).await
        })
        .await
    }

    async fn system_audit_log(&self, after_seq: i64, limit: usize) -> StoreResult<Vec<AuditEntry>> {
        self.read(Scope::System, async |connection| {
            audit_log::entries(connection, None, after_seq, limit).await
        })
        .await
    }

    async fn system_enqueue(&self, job: &kyoyu_store::NewJob) -> StoreResult<i64> {
        let now = rows::now();
        self.write(Scope::System, async |connection| {
            jobs::enqueue(connection, job, now).await
        })
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
        self.write(Scope::System, async |connection| {
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
        self.write(Scope::System, async |connection| {
            jobs::finish(connection, worker, ends, now).await
        })
        .await
    }

    async fn system_queue_stats(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<kyoyu_store::QueueStats> {
        self.read(Scope::System, async |connection| {
            jobs::stats(connection, now).await
        })
        .await
    }

    async fn system_schedule_due(
        &self,
        name: &str,
        every: Duration,
        now: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<bool> {
        self.write(Scope::System, async |connection| {
            jobs::schedule_due(connection, name, every, now).await
        })
        .await
    }

    async fn system_dump(&self) -> StoreResult<Box<dyn kyoyu_store::StoreDump>> {
        let transaction = self.begin(Scope::Copy, true).await?;
        Ok(Box::new(copy::PostgresDump { transaction }))
    }

    async fn system_load(&self) -> StoreResult<Box<dyn kyoyu_store::StoreLoad>> {
        let mut transaction = self.begin(Scope::Copy, false).await?;
        copy::lock_and_check_empty(&mut transaction).await?;
        Ok(Box::new(copy::PostgresLoad { transaction }))
    }

    async fn system_row_counts(&self) -> StoreResult<kyoyu_store::copy::RowCounts> {
        self.read(Scope::Copy, async |connection| {
            copy::row_counts(connection).await
        })
        .await
    }
}

// The tests' schema helper is shared with the integration tests; it names this crate by its
// public name.
#[cfg(test)]
extern crate self as kyoyu_store_postgres;

#[cfg(test)]
#[path = "../tests/support/mod.rs"]
mod support;

#[cfg(test)]
mod tests {
    //! Row-level security seen from inside the store's own transactions: queries that
    //! deliberately leave out `WHERE tenant` still see only the scope's rows.

    use kyoyu_store::{CommunityKind, NewObject, Tlp};
    use sqlx::Row;

    use super::*;
    use crate::support::TestSchema;

    /// Opening is a `Send` future, so a server can open its store on any runtime thread (a
    /// compile-time check: `sqlx::raw_sql` in the migrator once made it not so).
    #[allow(dead_code)]
    fn opening_is_send(options: PgConnectOptions) {
        fn is_send<T: Send>(_: T) {}
        is_send(PostgresStore::open_with(options));
    }

    fn actor(org: &Org) -> Actor {
        Actor {
            org: Some(org.id),
            who: format!("token-of-{}", org.name),
            request: None,
        }
    }

    fn object(id: &str) -> NewObject {
        NewObject {
            id: id.to_owned(),
            object_type: "indicator".to_owned(),
            spec_version: "2.1".to_owned(),
            version: "2026-01-01T00:00:00.000Z".to_owned(),
            tlp: Some(Tlp::Green),
            audience: Vec::new(),
            json: format!(r#"{{"type":"indicator","id":"{id}"}}"#),
        }
    }

    const SHARED_WITH_A: &str = "3f6b2a3e-0000-4000-8000-0000000000a1";
    const SHARED_WITH_B: &str = "3f6b2a3e-0000-4000-8000-0000000000b1";

    /// Two victims with an incident, a token, a consent and a status each, and a hub with one
    /// community per victim (each victim a member of its own only, each posting one object).
    async fn two_tenants(store: &PostgresStore) -> (Org, Org, Org) {
        let operator = Actor::operator();
        let a = store
            .system_create_org(&operator, "a", OrgKind::Victim)
            .await
            .unwrap();
        let b = store
            .system_create_org(&operator, "b", OrgKind::Victim)
            .await
            .unwrap();
        let hub = store
            .system_create_org(&operator, "hub", OrgKind::Hub)
            .await
            .unwrap();
        for (victim, collection) in [(&a, SHARED_WITH_A), (&b, SHARED_WITH_B)] {
            let document = serde_json::json!({"incident": {}, "items": [{"id": "i1"}]});
            let incident = IncidentDoc::split(&format!("INC-{}", victim.name), document).unwrap();
            store
                .create_incident(victim.id, &actor(victim), &incident)
                .await
                .unwrap();
            let token = TokenRecord {
                id: format!("token{}", victim.name),
                org: victim.id,
                role: kyoyu_store::Role::Responder,
                label: victim.name.clone(),
                hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned(),
                created: rows::now(),
                revoked: None,
            };
            store.system_create_token(&operator, &token).await.unwrap();
            store
                .grant_consent(victim.id, &actor(victim), hub.id)
                .await
                .unwrap();
            let community = CommunityRecord {
                id: collection.to_owned(),
                owner: hub.id,
                title: collection.to_owned(),
                description: String::new(),
                kind: CommunityKind::Hub,
                max_tlp: Tlp::Amber,
                created: rows::now(),
            };
            store
                .create_community(hub.id, &actor(&hub), &community)
                .await
                .unwrap();
            store
                .add_member(hub.id, &actor(&hub), collection, victim.id)
                .await
                .unwrap();
            store
                .add_objects(
                    victim.id,
                    &actor(victim),
                    collection,
                    &[object(&format!("indicator--{}", victim.name))],
                    Vec::new(),
                    &kyoyu_store::Effects::NONE,
                )
                .await
                .unwrap();
            // the hub tables are per tenant too: each keeps a submission with provenance
            let submission = kyoyu_store::HubSubmission {
                id: format!("sub-{}", victim.name),
                pseudonym: format!("m-{}", victim.name),
                day: 1,
                sector: None,
                region: None,
                size_band: None,
                consent_name: true,
                consent_credit: false,
                indicators: serde_json::json!([]),
                receipt_hash: format!("receipt-{}", victim.name),
            };
            store
                .hub_add_submission(victim.id, &submission, Some(hub.id))
                .await
                .unwrap();
        }
        (a, b, hub)
    }

    /// Each table's rows as one text per row, by a query with no WHERE at all.
    const UNSCOPED: &[(&str, &str)] = &[
        ("orgs", "SELECT name AS v FROM orgs"),
        ("tokens", "SELECT id AS v FROM tokens"),
        ("incidents", "SELECT id AS v FROM incidents"),
        (
            "incident_entries",
            "SELECT incident AS v FROM incident_entries",
        ),
        ("consents", "SELECT victim::text AS v FROM consents"),
        ("communities", "SELECT id AS v FROM communities"),
        (
            "memberships",
            "SELECT community || '/' || org AS v FROM memberships",
        ),
        ("stix_objects", "SELECT id AS v FROM stix_objects"),
        ("statuses", "SELECT collection AS v FROM statuses"),
        ("audit_log", "SELECT tenant::text AS v FROM audit_log"),
        ("hub_submissions", "SELECT id AS v FROM hub_submissions"),
        (
            "hub_provenance",
            "SELECT submission AS v FROM hub_provenance",
        ),
    ];

    async fn rows_of(connection: &mut PgConnection, sql: &str) -> Vec<String> {
        let mut values: Vec<String> = sqlx::query(sql)
            .fetch_all(&mut *connection)
            .await
            .unwrap_or_else(|error| panic!("{sql}: {error}"))
            .iter()
            .map(|row| row.get::<String, _>("v"))
            .collect();
        values.sort();
        values.dedup();
        values
    }

    #[tokio::test]
    async fn an_unscoped_query_in_a_tenants_transaction_sees_only_that_tenant() {
        let Some(schema) = TestSchema::create().await else {
            return;
        };
        let store = schema.open().await;
        let (a, b, hub) = two_tenants(&store).await;

        // The owner (the migrations' user, who bypasses the policies) sees both tenants' rows:
        // the data is there to be hidden.
        let mut owner = schema.owner_connection().await;
        for (table, sql) in UNSCOPED {
            assert!(
                !rows_of(&mut owner, sql).await.is_empty(),
                "{table} has rows"
            );
        }
        assert_eq!(
            rows_of(&mut owner, "SELECT id AS v FROM incidents").await,
            ["INC-a", "INC-b"]
        );

        // Inside A's transaction the same queries see A's rows only, and what its one
        // community shares with it.
        let mut transaction = store.begin(Scope::Tenant(a.id), false).await.unwrap();
        let who: String = sqlx::query_scalar("SELECT current_user::text")
            .fetch_one(&mut *transaction)
            .await
            .unwrap();
        assert_eq!(who, APP_ROLE);
        let seen = |table: &str| {
            let sql = UNSCOPED.iter().find(|(name, _)| *name == table).unwrap().1;
            sql.to_owned()
        };
        let a_id = a.id.0.to_string();
        let expected: &[(&str, Vec<String>)] = &[
            ("orgs", vec!["a".into()]),
            ("tokens", vec!["tokena".into()]),
            ("incidents", vec!["INC-a".into()]),
            ("incident_entries", vec!["INC-a".into()]),
            ("consents", vec![a_id.clone()]),
            ("communities", vec![SHARED_WITH_A.into()]),
            ("memberships", vec![format!("{SHARED_WITH_A}/{a_id}")]),
            ("stix_objects", vec!["indicator--a".into()]),
            ("statuses", vec![SHARED_WITH_A.into()]),
            ("audit_log", vec![a_id.clone()]),
            ("hub_submissions", vec!["sub-a".into()]),
            ("hub_provenance", vec!["sub-a".into()]),
        ];
        assert_eq!(
            expected.len(),
            UNSCOPED.len(),
            "every tenant table is checked"
        );
        for (table, rows) in expected {
            assert_eq!(
                &rows_of(&mut transaction, &seen(table)).await,
                rows,
                "{table} in organization a's transaction"
            );
        }
        // Writing B's rows fails or touches nothing, whatever the statement says.
        let changed = sqlx::query("UPDATE incidents SET header = '{}'")
            .execute(&mut *transaction)
            .await
            .unwrap()
            .rows_affected();
        assert_eq!(changed, 1, "only a's own incident");
        let revoked = sqlx::query("UPDATE tokens SET revoked = now()")
            .execute(&mut *transaction)
            .await
            .unwrap()
            .rows_affected();
        assert_eq!(revoked, 1, "only a's own token");
        transaction.rollback().await.unwrap();

        let mut transaction = store.begin(Scope::Tenant(a.id), false).await.unwrap();
        let forged = sqlx::query(
            "INSERT INTO incidents (tenant, id, version, header, created, updated)
             VALUES ($1, 'INC-forged', 1, '{}', now(), now())",
        )
        .bind(b.id.0)
        .execute(&mut *transaction)
        .await;
        let error = forged.expect_err("an incident of b's written in a's transaction");
        assert!(error.to_string().contains("row-level security"), "{error}");
        transaction.rollback().await.unwrap();

        // nor can a name another tenant's member behind one of b's submissions
        let mut transaction = store.begin(Scope::Tenant(a.id), false).await.unwrap();
        let forged = sqlx::query(
            "INSERT INTO hub_provenance (tenant, submission, member) VALUES ($1, 'sub-b', $2)",
        )
        .bind(b.id.0)
        .bind(a.id.0)
        .execute(&mut *transaction)
        .await;
        let error = forged.expect_err("a provenance record of b's written in a's transaction");
        assert!(error.to_string().contains("row-level security"), "{error}");
        transaction.rollback().await.unwrap();

        // The housekeeping function that sees every tenant's statuses removes only expired
        // ones, whatever time a statement hands it.
        let mut transaction = store.begin(Scope::Tenant(a.id), false).await.unwrap();
        sqlx::query("SELECT kyoyu_expire_statuses('infinity')")
            .execute(&mut *transaction)
            .await
            .unwrap();
        transaction.commit().await.unwrap();
        assert_eq!(
            rows_of(&mut owner, "SELECT collection AS v FROM statuses").await,
            [SHARED_WITH_A, SHARED_WITH_B]
        );

        // The audit log is append-only for the application role: no UPDATE, no DELETE at all.
        for statement in ["UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"] {
            let mut transaction = store.begin(Scope::Tenant(a.id), false).await.unwrap();
            let refused = sqlx::query(statement).execute(&mut *transaction).await;
            let error = refused.expect_err(statement);
            assert!(error.to_string().contains("permission denied"), "{error}");
        }

        // The hub sees both communities and both objects, and neither victim's incidents.
        let mut transaction = store.begin(Scope::Tenant(hub.id), true).await.unwrap();
        assert_eq!(
            rows_of(&mut transaction, &seen("communities")).await,
            [SHARED_WITH_A, SHARED_WITH_B]
        );
        assert_eq!(
            rows_of(&mut transaction, &seen("stix_objects")).await,
            ["indicator--a", "indicator--b"]
        );
        assert!(
            rows_of(&mut transaction, &seen("incidents"))
                .await
                .is_empty()
        );
        transaction.rollback().await.unwrap();

        // A transaction that names no tenant sees nothing at all; the system sees the registry
        // and the whole log, but no tenant's incidents.
        let mut bare = store.pool.begin().await.unwrap();
        for (table, sql) in UNSCOPED {
            assert!(
                rows_of(&mut bare, sql).await.is_empty(),
                "{table} without a scope"
            );
        }
        bare.rollback().await.unwrap();
        let mut system = store.begin(Scope::System, true).await.unwrap();
        assert_eq!(rows_of(&mut system, &seen("orgs")).await, ["a", "b", "hub"]);
        assert_eq!(
            rows_of(&mut system, &seen("audit_log")).await.len(),
            3,
            "entries of a, b and the hub"
        );
        assert!(rows_of(&mut system, &seen("incidents")).await.is_empty());
        system.rollback().await.unwrap();
        owner.close().await.ok();
        store.close().await;
    }

    /// The job queue is the system's alone: in a tenant's transaction, deliberately unscoped
    /// statements on `jobs` and `schedules` see no row — not even a job that acts for that very
    /// tenant — change none and insert none but the outbox's fresh queued job (which it then
    /// cannot see either), while the system scope sees them all.
    #[tokio::test]
    async fn a_tenants_transaction_sees_no_job_rows() {
        let Some(schema) = TestSchema::create().await else {
            return;
        };
        let store = schema.open().await;
        let (a, _, _) = two_tenants(&store).await;
        let job = kyoyu_store::NewJob {
            kind: "audit_verify".to_owned(),
            tenant: Some(a.id),
            payload: serde_json::json!({}),
            key: None,
            run_after: rows::now(),
        };
        store.system_enqueue(&job).await.unwrap();
        assert!(
            store
                .system_schedule_due(
                    "audit_verify",
                    std::time::Duration::from_secs(60),
                    rows::now()
                )
                .await
                .unwrap()
        );
        let count = async |connection: &mut PgConnection, table: &str| -> i64 {
            sqlx::query_scalar(&format!(
                "SELECT count(*) FROM (SELECT * FROM {table}) AS t"
            ))
            .fetch_one(&mut *connection)
            .await
            .unwrap()
        };

        let mut tenant = store.begin(Scope::Tenant(a.id), false).await.unwrap();
        for table in ["jobs", "schedules"] {
            assert_eq!(
                count(&mut tenant, table).await,
                0,
                "{table} in a's transaction"
            );
        }
        for statement in [
            "UPDATE jobs SET state = 'dead'",
            "UPDATE schedules SET next_run = now()",
        ] {
            let changed = sqlx::query(statement)
                .execute(&mut *tenant)
                .await
                .unwrap()
                .rows_affected();
            assert_eq!(changed, 0, "{statement}");
        }
        tenant.rollback().await.unwrap();
        // The outbox (0003): a fresh queued job, written and not seen.
        let mut tenant = store.begin(Scope::Tenant(a.id), false).await.unwrap();
        sqlx::query(
            "INSERT INTO jobs (kind, payload, state, run_after, created)
             VALUES ('submission', '{}', 'queued', now(), now())",
        )
        .execute(&mut *tenant)
        .await
        .expect("the outbox's insert");
        assert_eq!(
            count(&mut tenant, "jobs").await,
            0,
            "not seen by the tenant"
        );
        tenant.rollback().await.unwrap();
        for statement in [
            "INSERT INTO jobs (kind, payload, state, run_after, created, worker, lease_until)
             VALUES ('audit_verify', '{}', 'running', now(), now(), 'forged', now())",
            "INSERT INTO jobs (kind, payload, state, run_after, created)
             VALUES ('audit_verify', '{}', 'done', now(), now())",
            "INSERT INTO jobs (kind, payload, dedupe_key, state, run_after, created)
             VALUES ('audit_verify', '{}', 'audit_verify', 'queued', now(), now())",
            "INSERT INTO schedules (name, next_run) VALUES ('forged', now())",
        ] {
            let mut tenant = store.begin(Scope::Tenant(a.id), false).await.unwrap();
            let error = sqlx::query(statement)
                .execute(&mut *tenant)
                .await
                .expect_err(statement);
            assert!(error.to_string().contains("row-level security"), "{error}");
            tenant.rollback().await.unwrap();
        }

        let mut system = store.begin(Scope::System, true).await.unwrap();
        assert_eq!(count(&mut system, "jobs").await, 1);
        assert_eq!(count(&mut system, "schedules").await, 1);
        system.rollback().await.unwrap();
        store.close().await;
    }
}
