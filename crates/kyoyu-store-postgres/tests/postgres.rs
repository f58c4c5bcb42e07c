//! What only the PostgreSQL backend can be asked: its migrations, the audit table's triggers,
//! tampering with the stored rows as the owner, corrupt rows, and concurrent writers through
//! one store or through two stores on one schema (as two processes or two servers would). Each
//! test gets its own schema; without `TEST_KYOYU_POSTGRES_URL` each says it was skipped.

mod support;

use kyoyu_store::audit::GENESIS;
use kyoyu_store::{
    Actor, AuditAction, ChainBreak, CommunityKind, CommunityRecord, NewObject, ObjectQuery, Org,
    OrgKind, STATUS_RETENTION, Store, StoreError, Tlp, verify_chain,
};
use kyoyu_store_postgres::PostgresStore;
use sqlx::{Connection, Executor, Row};
use support::TestSchema;

async fn migrations(connection: &mut sqlx::PgConnection) -> Vec<(i64, String)> {
    sqlx::query("SELECT version, name FROM schema_migrations ORDER BY version")
        .fetch_all(&mut *connection)
        .await
        .unwrap()
        .iter()
        .map(|row| (row.get("version"), row.get("name")))
        .collect()
}

#[tokio::test]
async fn open_records_the_migrations_once_and_data_survives_a_reopen() {
    let Some(schema) = TestSchema::create().await else {
        return;
    };
    let store = schema.open().await;
    store
        .system_create_org(&Actor::operator(), "hub", OrgKind::Hub)
        .await
        .unwrap();
    store.close().await;
    let store = schema.open().await;
    assert_eq!(
        store.system_org_by_name("hub").await.unwrap().unwrap().name,
        "hub"
    );
    store.close().await;
    let mut owner = schema.owner_connection().await;
    assert_eq!(
        migrations(&mut owner).await,
        [
            (1, "0001_init".to_owned()),
            (2, "0002_jobs".to_owned()),
            (3, "0003_outbox".to_owned()),
            (4, "0004_idempotency".to_owned()),
            (5, "0005_copy".to_owned()),
            (6, "0006_request_counts".to_owned()),
            (7, "0007_policies_once".to_owned()),
            (8, "0008_jobs_due".to_owned()),
            (9, "0009_jobs_retention".to_owned()),
            (10, "0010_hub".to_owned())
        ]
    );
    assert_eq!(
        migrations(&mut owner)
            .await
            .last()
            .map(|(version, _)| *version),
        Some(PostgresStore::schema_version())
    );
    owner.close().await.ok();
}

#[tokio::test]
async fn a_schema_from_a_newer_kyoyu_is_refused() {
    let Some(schema) = TestSchema::create().await else {
        return;
    };
    schema.open().await.close().await;
    let mut owner = schema.owner_connection().await;
    owner
        .execute(
            "INSERT INTO schema_migrations (version, name, checksum, applied)
             VALUES (99, '0099_future', 'x', now())",
        )
        .await
        .unwrap();
    owner.close().await.ok();
    let error = PostgresStore::open_with(schema.options())
        .await
        .unwrap_err();
    let message = error.to_string();
    assert!(message.contains("written by a newer kyoyu"), "{message}");
    assert!(
        message.contains(schema.name()),
        "names the schema: {message}"
    );
}

#[tokio::test]
async fn an_edited_migration_is_refused() {
    let Some(schema) = TestSchema::create().await else {
        return;
    };
    schema.open().await.close().await;
    let mut owner = schema.owner_connection().await;
    owner
        .execute("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1")
        .await
        .unwrap();
    owner.close().await.ok();
    let error = PostgresStore::open_with(schema.options())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, StoreError::Corrupt(message) if message.contains("must never change")),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stores_opening_a_new_schema_at_once_apply_the_migrations_once() {
    let Some(schema) = TestSchema::create().await else {
        return;
    };
    let opens: Vec<_> = (0..4)
        .map(|_| tokio::spawn(PostgresStore::open_with(schema.options())))
        .collect();
    for open in opens {
        open.await
            .unwrap()
            .expect("every open succeeds")
            .close()
            .await;
    }
    let mut owner = schema.owner_connection().await;
    assert_eq!(
        migrations(&mut owner).await.len() as i64,
        PostgresStore::schema_version(),
        "each migration recorded once"
    );
    owner.close().await.ok();
}

#[tokio::test]
async fn the_audit_table_refuses_updates_and_deletes_even_from_its_owner() {
    let Some(schema) = TestSchema::create().await else {
        return;
    };
    let store = schema.open().await;
    store
        .system_create_org(&Actor::operator(), "hub", OrgKind::Hub)
        .await
        .unwrap();
    store.close().await;
    let mut owner = schema.owner_connection().await;
    for statement in [
        "UPDATE audit_log SET actor = 'someone else'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    ] {
        let error = owner.execute(statement).await.expect_err(statement);
        assert!(error.to_string().contains("append-only"), "{error}");
    }
    owner.close().await.ok();
}

/// Runs `sql` as the owner with the append-only triggers off (as an intruder with the owner's
/// password would), then verifies the chain.
async fn tamper(sql: &str) -> Option<Result<(i64, String), ChainBreak>> {
    let schema = TestSchema::create().await?;
    let store = schema.open().await;
    for name in ["a", "b", "c", "d"] {
        store
            .system_create_org(&Actor::operator(), name, OrgKind::Victim)
            .await
            .unwrap();
    }
    let mut owner = schema.owner_connection().await;
    owner
        .execute("ALTER TABLE audit_log DISABLE TRIGGER USER")
        .await
        .unwrap();
    owner.execute(sql).await.unwrap();
    owner.close().await.ok();
    let log = store.system_audit_log(0, 100).await.unwrap();
    store.close().await;
    Some(verify_chain((0, GENESIS.into()), &log))
}

#[tokio::test]
async fn tampering_with_the_rows_breaks_the_chain() {
    let Some(altered) =
        tamper("UPDATE audit_log SET action = replace(action, '\"b\"', '\"x\"') WHERE seq = 2")
            .await
    else {
        return;
    };
    assert_eq!(altered, Err(ChainBreak::Altered { seq: 2 }));
    let removed = tamper("DELETE FROM audit_log WHERE seq = 3").await.unwrap();
    assert_eq!(
        removed,
        Err(ChainBreak::Missing {
            expected: 3,
            found: 4
        })
    );
}

#[tokio::test]
async fn a_corrupt_row_is_an_error_naming_table_and_column() {
    let Some(schema) = TestSchema::create().await else {
        return;
    };
    let store = schema.open().await;
    let org = store
        .system_create_org(&Actor::operator(), "a", OrgKind::Victim)
        .await
        .unwrap();
    let mut owner = schema.owner_connection().await;
    owner
        .execute("UPDATE orgs SET kind = 'pirate'")
        .await
        .unwrap();
    owner.close().await.ok();
    let error = store.system_org(org.id).await.unwrap_err();
    assert!(
        matches!(&error, StoreError::Corrupt(message) if message.starts_with("orgs.kind")),
        "{error}"
    );
    store.close().await;
}

/// Writes from many tasks, through one store or through two stores on one schema (as two
/// processes would), keep one intact chain and distinct, increasing dates.
async fn concurrent_writers(schema: &TestSchema, stores: Vec<PostgresStore>) {
    let first = &stores[0];
    let hub = first
        .system_create_org(&Actor::operator(), "hub", OrgKind::Hub)
        .await
        .unwrap();
    let actor = Actor {
        org: Some(hub.id),
        who: "tasks".into(),
        request: None,
    };
    let collection = "3f6b2a3e-0000-4000-8000-000000000009";
    let community = CommunityRecord {
        id: collection.into(),
        owner: hub.id,
        title: "t".into(),
        description: String::new(),
        kind: CommunityKind::Hub,
        max_tlp: Tlp::Amber,
        created: chrono::Utc::now(),
    };
    first
        .create_community(hub.id, &actor, &community)
        .await
        .unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for task in 0..8 {
        let store = stores[task % stores.len()].clone();
        let actor = actor.clone();
        tasks.spawn(async move {
            for n in 0..20 {
                let object = NewObject {
                    id: format!("indicator--{task}-{n}"),
                    object_type: "indicator".into(),
                    spec_version: "2.1".into(),
                    version: "2026-01-01T00:00:00.000Z".into(),
                    tlp: None,
                    audience: Vec::new(),
                    json: "{}".into(),
                };
                store
                    .add_objects(
                        hub.id,
                        &actor,
                        collection,
                        &[object],
                        Vec::new(),
                        &kyoyu_store::Effects::NONE,
                    )
                    .await
                    .expect("add");
                store
                    .audit(
                        hub.id,
                        &actor,
                        &AuditAction::TokenRevoked {
                            token: format!("{task}-{n}"),
                        },
                    )
                    .await
                    .expect("audit");
            }
        });
    }
    while let Some(joined) = tasks.join_next().await {
        joined.expect("a writer task");
    }
    let log = first.system_audit_log(0, 10_000).await.unwrap();
    assert_eq!(log.len(), 2 + 8 * 20 * 2);
    verify_chain((0, GENESIS.into()), &log).expect("one intact chain");
    let query = ObjectQuery {
        limit: 1000,
        ..Default::default()
    };
    let objects = first.objects(hub.id, collection, &query).await.unwrap();
    assert_eq!(objects.objects.len(), 160);
    for pair in objects.objects.windows(2) {
        assert!(pair[0].seq < pair[1].seq);
        assert!(pair[0].date_added < pair[1].date_added);
    }
    // The head row agrees with the log's last entry.
    let mut owner = schema.owner_connection().await;
    let head = sqlx::query("SELECT seq, hash FROM audit_head")
        .fetch_one(&mut owner)
        .await
        .unwrap();
    let last = log.last().unwrap();
    assert_eq!(head.get::<i64, _>("seq"), last.seq);
    assert_eq!(head.get::<String, _>("hash"), last.hash);
    owner.close().await.ok();
    for store in stores {
        store.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writes_through_one_store_keep_the_chain() {
    let Some(schema) = TestSchema::create().await else {
        return;
    };
    let store = schema.open().await;
    concurrent_writers(&schema, vec![store]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_stores_on_one_schema_keep_the_chain() {
    let Some(schema) = TestSchema::create().await else {
        return;
    };
    let one = schema.open().await;
    let two = schema.open().await;
    concurrent_writers(&schema, vec![one, two]).await;
}

fn object(id: &str) -> NewObject {
    NewObject {
        id: id.to_owned(),
        object_type: "indicator".into(),
        spec_version: "2.1".into(),
        version: "2026-01-01T00:00:00.000Z".into(),
        tlp: None,
        audience: Vec::new(),
        json: "{}".into(),
    }
}

fn actor(org: &Org) -> Actor {
    Actor {
        org: Some(org.id),
        who: format!("token-of-{}", org.name),
        request: None,
    }
}

/// A status past its retention is not read back, and the next POST of any tenant removes it;
/// a younger one stays. The migration's floor says 7 days too.
#[tokio::test]
async fn expired_statuses_are_removed_by_the_next_post_of_anyone() {
    assert_eq!(
        STATUS_RETENTION,
        chrono::TimeDelta::days(7),
        "kyoyu_expire_statuses in the migrations keeps 7 days as its floor: change both"
    );
    let Some(schema) = TestSchema::create().await else {
        return;
    };
    let store = schema.open().await;
    let operator = Actor::operator();
    let hub = store
        .system_create_org(&operator, "hub", OrgKind::Hub)
        .await
        .unwrap();
    let member = store
        .system_create_org(&operator, "member", OrgKind::Member)
        .await
        .unwrap();
    let collection = "3f6b2a3e-0000-4000-8000-00000000000e";
    let community = CommunityRecord {
        id: collection.into(),
        owner: hub.id,
        title: "t".into(),
        description: String::new(),
        kind: CommunityKind::Hub,
        max_tlp: Tlp::Amber,
        created: chrono::Utc::now(),
    };
    store
        .create_community(hub.id, &actor(&hub), &community)
        .await
        .unwrap();
    store
        .add_member(hub.id, &actor(&hub), collection, member.id)
        .await
        .unwrap();
    let post = async |org: &Org, id: &str| {
        store
            .add_objects(
                org.id,
                &actor(org),
                collection,
                &[object(id)],
                Vec::new(),
                &kyoyu_store::Effects::NONE,
            )
            .await
            .unwrap()
    };
    let old = post(&member, "indicator--old").await;
    let recent = post(&member, "indicator--recent").await;
    let mut owner = schema.owner_connection().await;
    for (id, age) in [(&old.id, "8 days"), (&recent.id, "6 days")] {
        sqlx::query("UPDATE statuses SET request_timestamp = now() - $2::interval WHERE id = $1")
            .bind(id)
            .bind(age)
            .execute(&mut owner)
            .await
            .unwrap();
    }
    assert!(store.status(member.id, &old.id).await.unwrap().is_none());
    assert!(store.status(member.id, &recent.id).await.unwrap().is_some());
    // The hub's POST removes the member's expired status (housekeeping across tenants).
    post(&hub, "indicator--hub").await;
    let left: Vec<String> = sqlx::query_scalar("SELECT id FROM statuses WHERE tenant = $1")
        .bind(member.id.0)
        .fetch_all(&mut owner)
        .await
        .unwrap();
    assert_eq!(left, vec![recent.id]);
    owner.close().await.ok();
    store.close().await;
}

/// A NUL character (which PostgreSQL text cannot hold) in a name a client sent is the request's
/// fault — `StoreError::Invalid`, a 400 — never a database failure (found by schemathesis: a
/// consent naming a vendor `"\u0000…"` was a 500).
#[tokio::test]
async fn a_nul_in_a_client_text_is_invalid_input_not_a_database_failure() {
    let Some(schema) = TestSchema::create().await else {
        return;
    };
    let store = schema.open().await;
    assert!(matches!(
        store.system_org_by_name("vendor\0x").await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store
            .system_create_org(&Actor::operator(), "bad\0name", OrgKind::Vendor)
            .await,
        Err(StoreError::Invalid(_))
    ));
    assert!(
        store.system_orgs().await.expect("orgs").is_empty(),
        "nothing written"
    );
    store.close().await;
}

/// Only the copy scope sees every tenant's rows, writes rows for any tenant, and reads or sets
/// an identity's sequence: as the application role, a tenant's transaction and the system's
/// are refused all three (the policies and functions of migration 0005).
#[tokio::test]
async fn only_the_copy_scope_reads_every_row_and_sets_identities() {
    let Some(schema) = TestSchema::create().await else {
        return;
    };
    let store = schema.open().await;
    let victim = store
        .system_create_org(&Actor::operator(), "victim", OrgKind::Victim)
        .await
        .unwrap();
    let incident = kyoyu_store::IncidentDoc::split("INC-1", serde_json::json!({"incident": {}}))
        .expect("an incident");
    let actor = Actor {
        org: Some(victim.id),
        who: "t".into(),
        request: None,
    };
    store
        .create_incident(victim.id, &actor, &incident)
        .await
        .unwrap();
    store.close().await;
    let mut connection = schema.owner_connection().await;
    connection.execute("SET ROLE kyoyu_app").await.unwrap();
    let insert = format!(
        "INSERT INTO incidents (tenant, id, version, header, created, updated)
         VALUES ({}, 'INC-2', 1, '{{}}', now(), now())",
        victim.id.0
    );
    for scope in ["system", "99", "copy"] {
        let copy = scope == "copy";
        let mut transaction = in_scope(&mut connection, scope).await;
        let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM incidents")
            .fetch_one(&mut *transaction)
            .await
            .unwrap();
        assert_eq!(seen, i64::from(copy), "{scope}: incidents seen");
        let identity = sqlx::query_scalar::<_, i64>("SELECT kyoyu_copy_identity('orgs')")
            .fetch_one(&mut *transaction)
            .await;
        match identity {
            Ok(last) => assert!(copy && last == victim.id.0, "{scope}: {last}"),
            Err(error) => assert!(!copy, "{scope}: {error}"),
        }
        transaction.rollback().await.unwrap();
        for statement in [
            insert.as_str(),
            "SELECT kyoyu_copy_set_identity('stix_objects', 1000)",
        ] {
            let mut transaction = in_scope(&mut connection, scope).await;
            let done = transaction.execute(statement).await;
            assert_eq!(done.is_ok(), copy, "{scope}: {statement}: {done:?}");
            transaction.rollback().await.unwrap();
        }
    }
    connection.close().await.unwrap();
}

/// A transaction on `connection` with `kyoyu.tenant` set to `scope`, as the store begins them.
async fn in_scope<'c>(
    connection: &'c mut sqlx::PgConnection,
    scope: &str,
) -> sqlx::Transaction<'c, sqlx::Postgres> {
    let mut transaction = connection.begin().await.unwrap();
    sqlx::query("SELECT set_config('kyoyu.tenant', $1, true)")
        .bind(scope)
        .execute(&mut *transaction)
        .await
        .unwrap();
    transaction
}
