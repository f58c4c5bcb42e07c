//! What only the SQLite backend can show: the file on disk, its migrations, its append-only
//! audit table, and what happens when someone edits the file behind the store's back.

use kyoyu_store::audit::GENESIS;
use kyoyu_store::{
    Actor, ChainBreak, CommunityRecord, NewObject, ObjectQuery, OrgId, OrgKind, Role, Standing,
    Store, StoreError, TokenRecord, verify_chain,
};
use kyoyu_store_sqlite::{DATABASE_FILE, SqliteStore};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sqlx::{Connection, SqliteConnection};

/// A raw connection to the store's file, for what a person with shell access could do.
async fn raw_connection(dir: &std::path::Path) -> SqliteConnection {
    let url = format!("sqlite://{}", dir.join(DATABASE_FILE).display());
    SqliteConnection::connect(&url)
        .await
        .expect("a raw connection")
}

async fn store_with_orgs(dir: &std::path::Path, count: usize) -> SqliteStore {
    let store = SqliteStore::open(dir).await.expect("open");
    for n in 0..count {
        store
            .system_create_org(&Actor::operator(), &format!("org {n}"), OrgKind::Victim)
            .await
            .expect("create org");
    }
    store
}

#[tokio::test]
async fn open_creates_the_directory_and_data_survives_a_reopen() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("data").join("kyoyu");
    let store = store_with_orgs(&dir, 2).await;
    assert_eq!(store.path(), dir.join("kyoyu.db"));
    store.close().await;
    let store = SqliteStore::open(&dir).await.expect("reopen");
    assert_eq!(store.system_orgs().await.unwrap().len(), 2);
    let log = store.system_audit_log(0, 100).await.unwrap();
    assert_eq!(verify_chain((0, GENESIS.into()), &log).unwrap().0, 2);
    store.close().await;
}

#[tokio::test]
async fn open_records_the_migrations_once() {
    let dir = tempfile::tempdir().unwrap();
    SqliteStore::open(dir.path()).await.unwrap().close().await;
    SqliteStore::open(dir.path()).await.unwrap().close().await;
    let mut raw = raw_connection(dir.path()).await;
    let versions: Vec<(i64, String)> =
        sqlx::query_as("SELECT version, name FROM schema_migrations ORDER BY version")
            .fetch_all(&mut raw)
            .await
            .unwrap();
    assert_eq!(
        versions,
        vec![
            (1, "0001_init".to_owned()),
            (2, "0002_status_expiry".to_owned()),
            (3, "0003_jobs".to_owned()),
            (4, "0004_idempotency".to_owned()),
            (5, "0005_request_counts".to_owned()),
            (6, "0006_jobs_due".to_owned()),
            (7, "0007_jobs_retention".to_owned()),
            (8, "0008_hub".to_owned())
        ]
    );
    assert_eq!(SqliteStore::schema_version(), 8);
    let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut raw)
        .await
        .unwrap();
    assert_eq!(journal, "wal", "WAL is a property of the file");
}

#[tokio::test]
async fn a_database_from_a_newer_kyoyu_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    SqliteStore::open(dir.path()).await.unwrap().close().await;
    let mut raw = raw_connection(dir.path()).await;
    sqlx::query(
        "INSERT INTO schema_migrations (version, name, checksum, applied)
         VALUES (99, '0099_future', 'x', '2030-01-01T00:00:00.000000Z')",
    )
    .execute(&mut raw)
    .await
    .unwrap();
    raw.close().await.unwrap();
    let Err(StoreError::Database(message)) = SqliteStore::open(dir.path()).await else {
        panic!("a newer schema must be refused");
    };
    assert!(message.contains("migration 99"), "{message}");
    assert!(message.contains("newer kyoyu"), "{message}");
}

#[tokio::test]
async fn an_edited_migration_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    SqliteStore::open(dir.path()).await.unwrap().close().await;
    let mut raw = raw_connection(dir.path()).await;
    sqlx::query("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1")
        .execute(&mut raw)
        .await
        .unwrap();
    raw.close().await.unwrap();
    let Err(StoreError::Corrupt(message)) = SqliteStore::open(dir.path()).await else {
        panic!("a changed migration must be refused");
    };
    assert!(message.contains("0001_init"), "{message}");
}

/// Two processes starting on a new database at once (a server and `kyoyu admin`) apply the
/// migrations once and both open: each migration reads what is applied inside its own
/// `BEGIN IMMEDIATE` transaction. sqlx's SQLite migrator reads it before its transaction, and in
/// the same race one of the two failed with "table orgs already exists" (README: "Why not
/// `sqlx::migrate!`"); twenty rounds catch that almost always.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_stores_opening_a_new_database_at_once_apply_the_migrations_once() {
    for _ in 0..20 {
        let dir = tempfile::tempdir().unwrap();
        // The file exists in WAL mode first: SQLite's busy handler does not cover switching a
        // new file to WAL, so two first-ever connections can collide there, before migrating.
        let options = SqliteConnectOptions::new()
            .filename(dir.path().join(DATABASE_FILE))
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal);
        SqliteConnection::connect_with(&options)
            .await
            .expect("an empty database")
            .close()
            .await
            .unwrap();
        let (one, two) = tokio::join!(SqliteStore::open(dir.path()), SqliteStore::open(dir.path()));
        let (one, two) = (one.expect("the first open"), two.expect("the second open"));
        let mut raw = raw_connection(dir.path()).await;
        let versions: Vec<i64> =
            sqlx::query_scalar("SELECT version FROM schema_migrations ORDER BY version")
                .fetch_all(&mut raw)
                .await
                .unwrap();
        assert_eq!(
            versions,
            (1..=SqliteStore::schema_version()).collect::<Vec<_>>()
        );
        raw.close().await.unwrap();
        one.close().await;
        two.close().await;
    }
}

#[tokio::test]
async fn the_audit_table_refuses_updates_and_deletes() {
    let dir = tempfile::tempdir().unwrap();
    store_with_orgs(dir.path(), 2).await.close().await;
    let mut raw = raw_connection(dir.path()).await;
    for sql in [
        "UPDATE audit_log SET actor = 'someone else' WHERE seq = 1",
        "DELETE FROM audit_log WHERE seq = 2",
    ] {
        let error = sqlx::query(sql).execute(&mut raw).await.unwrap_err();
        assert!(error.to_string().contains("append-only"), "{sql}: {error}");
    }
}

/// Drops the triggers (as someone with the file could), runs `sql`, and reads the log back.
async fn tamper(sql: &str) -> Result<(i64, String), ChainBreak> {
    let dir = tempfile::tempdir().unwrap();
    store_with_orgs(dir.path(), 5).await.close().await;
    let mut raw = raw_connection(dir.path()).await;
    sqlx::raw_sql("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;")
        .execute(&mut raw)
        .await
        .unwrap();
    sqlx::query(sql).execute(&mut raw).await.unwrap();
    raw.close().await.unwrap();
    let store = SqliteStore::open(dir.path()).await.unwrap();
    let log = store.system_audit_log(0, 100).await.unwrap();
    store.close().await;
    verify_chain((0, GENESIS.into()), &log)
}

#[tokio::test]
async fn tampering_with_the_file_breaks_the_chain() {
    assert!(
        tamper("SELECT 1").await.is_ok(),
        "dropping the triggers alone changes nothing"
    );
    assert_eq!(
        tamper("UPDATE audit_log SET action = replace(action, 'org 2', 'org X') WHERE seq = 3")
            .await,
        Err(ChainBreak::Altered { seq: 3 })
    );
    assert_eq!(
        tamper("UPDATE audit_log SET tenant = 1 WHERE seq = 4").await,
        Err(ChainBreak::Altered { seq: 4 })
    );
    assert_eq!(
        tamper("DELETE FROM audit_log WHERE seq = 2").await,
        Err(ChainBreak::Missing {
            expected: 2,
            found: 3
        })
    );
}

#[tokio::test]
async fn a_corrupt_row_is_an_error_naming_table_and_column() {
    let dir = tempfile::tempdir().unwrap();
    store_with_orgs(dir.path(), 1).await.close().await;
    let mut raw = raw_connection(dir.path()).await;
    sqlx::query("UPDATE orgs SET kind = 'pirate'")
        .execute(&mut raw)
        .await
        .unwrap();
    raw.close().await.unwrap();
    let store = SqliteStore::open(dir.path()).await.unwrap();
    let Err(StoreError::Corrupt(message)) = store.system_orgs().await else {
        panic!("an unknown kind must be reported");
    };
    assert!(message.starts_with("orgs.kind"), "{message}");
    store.close().await;

    let mut raw = raw_connection(dir.path()).await;
    sqlx::query("UPDATE orgs SET kind = 'victim', created = 'yesterday'")
        .execute(&mut raw)
        .await
        .unwrap();
    raw.close().await.unwrap();
    let store = SqliteStore::open(dir.path()).await.unwrap();
    let Err(StoreError::Corrupt(message)) = store.system_org_by_name("org 0").await else {
        panic!("a bad time must be reported");
    };
    assert!(message.starts_with("orgs.created"), "{message}");
    // The same through the hot read path (rusqlite).
    let Err(StoreError::Corrupt(message)) = store.system_org(OrgId(1)).await else {
        panic!("a bad time must be reported on the read path too");
    };
    assert!(message.starts_with("orgs.created"), "{message}");
    store.close().await;
}

/// The hot read path (rusqlite: a page, a token, an organization) checks what it reads like the
/// rest of the store.
#[tokio::test]
async fn a_corrupt_row_on_the_read_path_names_table_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).await.unwrap();
    let hub = store
        .system_create_org(&Actor::operator(), "hub", OrgKind::Hub)
        .await
        .unwrap();
    let actor = Actor {
        org: Some(hub.id),
        who: "t".into(),
        request: None,
    };
    let community = CommunityRecord {
        id: "c".into(),
        owner: hub.id,
        title: "c".into(),
        description: String::new(),
        kind: kyoyu_store::CommunityKind::Hub,
        max_tlp: kyoyu_store::Tlp::Amber,
        created: chrono::Utc::now(),
    };
    store
        .create_community(hub.id, &actor, &community)
        .await
        .unwrap();
    let object = NewObject {
        id: "indicator--1".into(),
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
            "c",
            &[object],
            Vec::new(),
            &kyoyu_store::Effects::NONE,
        )
        .await
        .unwrap();
    let token = TokenRecord {
        id: "abc".into(),
        org: hub.id,
        role: Role::HubAnalyst,
        label: "t".into(),
        hash: "h".into(),
        created: chrono::Utc::now(),
        revoked: None,
    };
    store
        .system_create_token(&Actor::operator(), &token)
        .await
        .unwrap();
    store.close().await;

    let query = ObjectQuery {
        limit: 10,
        ..ObjectQuery::default()
    };
    for (sql, column) in [
        (
            "UPDATE stix_objects SET audience = 'x'",
            "stix_objects.audience",
        ),
        (
            "UPDATE stix_objects SET audience = '', json = x'ff'",
            "stix_objects.json",
        ),
        (
            "UPDATE stix_objects SET json = '{}', date_added = 'yesterday'",
            "stix_objects.date_added",
        ),
    ] {
        let mut raw = raw_connection(dir.path()).await;
        sqlx::query(sql).execute(&mut raw).await.unwrap();
        raw.close().await.unwrap();
        let store = SqliteStore::open(dir.path()).await.unwrap();
        let Err(StoreError::Corrupt(message)) = store.objects(hub.id, "c", &query).await else {
            panic!("{sql}: must be reported");
        };
        assert!(message.starts_with(column), "{sql}: {message}");
        store.close().await;
    }

    let mut raw = raw_connection(dir.path()).await;
    sqlx::query("UPDATE tokens SET role = 'pirate'")
        .execute(&mut raw)
        .await
        .unwrap();
    raw.close().await.unwrap();
    let store = SqliteStore::open(dir.path()).await.unwrap();
    let Err(StoreError::Corrupt(message)) = store.system_token("abc").await else {
        panic!("an unknown role must be reported");
    };
    assert!(message.starts_with("tokens.role"), "{message}");
    store.close().await;
}

/// Many more pages in flight than read connections: every one is answered, in one snapshot
/// each, and a closed store refuses reads instead of hanging.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_concurrent_pages_share_the_read_connections() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).await.unwrap();
    let hub = store
        .system_create_org(&Actor::operator(), "hub", OrgKind::Hub)
        .await
        .unwrap();
    let actor = Actor {
        org: Some(hub.id),
        who: "t".into(),
        request: None,
    };
    let community = CommunityRecord {
        id: "c".into(),
        owner: hub.id,
        title: "c".into(),
        description: String::new(),
        kind: kyoyu_store::CommunityKind::Hub,
        max_tlp: kyoyu_store::Tlp::Amber,
        created: chrono::Utc::now(),
    };
    store
        .create_community(hub.id, &actor, &community)
        .await
        .unwrap();
    let objects: Vec<_> = (0..250)
        .map(|n| NewObject {
            id: format!("indicator--{n}"),
            object_type: "indicator".into(),
            spec_version: "2.1".into(),
            version: "2026-01-01T00:00:00.000Z".into(),
            tlp: None,
            audience: Vec::new(),
            json: format!("{{\"n\":{n}}}"),
        })
        .collect();
    store
        .add_objects(
            hub.id,
            &actor,
            "c",
            &objects,
            Vec::new(),
            &kyoyu_store::Effects::NONE,
        )
        .await
        .unwrap();
    // Reads whose requests go away mid-read (a client hung up) give their connection back.
    let abandoned: Vec<_> = (0..64)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                let query = ObjectQuery {
                    limit: 100,
                    ..ObjectQuery::default()
                };
                store.objects(hub.id, "c", &query).await
            })
        })
        .collect();
    tokio::task::yield_now().await;
    for task in &abandoned {
        task.abort();
    }
    for task in abandoned {
        // Finished or cancelled; a finished one must have succeeded.
        if let Ok(page) = task.await {
            page.unwrap();
        }
    }
    let mut tasks = Vec::new();
    for n in 0..64usize {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let query = ObjectQuery {
                limit: 100,
                after_seq: Some((n % 3) as i64 * 100),
                ..ObjectQuery::default()
            };
            store.objects(hub.id, "c", &query).await
        }));
    }
    for (n, task) in tasks.into_iter().enumerate() {
        let page = task.await.unwrap().unwrap();
        let expected = if n % 3 == 2 { 50 } else { 100 };
        assert_eq!(page.objects.len(), expected);
        assert_eq!(page.more, n % 3 != 2);
        assert_eq!(page.standing, Standing::Owner);
    }
    store.close().await;
    let query = ObjectQuery {
        limit: 1,
        ..ObjectQuery::default()
    };
    assert!(matches!(
        store.objects(hub.id, "c", &query).await,
        Err(StoreError::Database(_))
    ));
}

/// Writes from many tasks, through one store or through two stores on the same file (as two
/// processes would), keep one intact chain and distinct, increasing dates.
async fn concurrent_writers(stores: Vec<SqliteStore>) {
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
    let community = kyoyu_store::CommunityRecord {
        id: collection.into(),
        owner: hub.id,
        title: "t".into(),
        description: String::new(),
        kind: kyoyu_store::CommunityKind::Hub,
        max_tlp: kyoyu_store::Tlp::Amber,
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
                let object = kyoyu_store::NewObject {
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
                        &kyoyu_store::AuditAction::TokenRevoked {
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
    let query = kyoyu_store::ObjectQuery {
        limit: 1000,
        ..Default::default()
    };
    let objects = first.objects(hub.id, collection, &query).await.unwrap();
    assert_eq!(objects.objects.len(), 160);
    for pair in objects.objects.windows(2) {
        assert!(pair[0].date_added < pair[1].date_added);
    }
    for store in stores {
        store.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writes_through_one_store_keep_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    concurrent_writers(vec![SqliteStore::open(dir.path()).await.unwrap()]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_stores_on_one_file_keep_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let one = SqliteStore::open(dir.path()).await.unwrap();
    let two = SqliteStore::open(dir.path()).await.unwrap();
    concurrent_writers(vec![one, two]).await;
}
