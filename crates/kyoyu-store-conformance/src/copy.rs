//! Cases of the whole-store copy (`kyoyu_store::copy`): a load goes only into an empty store,
//! an abandoned load leaves nothing behind, and a loaded store holds every value as given,
//! dumps it back unchanged and continues after it (ids, `seq`, `date_added`, the audit chain).
//!
//! Key decision: a case has one store, so the rows a load writes are built here, one per column
//! kind and NULL where a column allows it, rather than dumped from a second store; the dump is
//! then checked against them, which tests both halves on every backend.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use kyoyu_store::audit::{GENESIS, entry_hash, verify_store};
use kyoyu_store::copy::{Row, TABLES, Value, Watermarks, table};
use kyoyu_store::{ObjectQuery, OrgId, OrgKind, Store, StoreError, VersionMatch};

use crate::fixtures::{actor, object, org};

/// A store that holds a row refuses a load, naming the table; nothing is written.
pub async fn a_copy_goes_only_into_an_empty_store(store: &dyn Store) {
    let hub = org(store, "hub", OrgKind::Hub).await;
    match store.system_load().await {
        Err(StoreError::Conflict(detail)) => {
            assert!(detail.contains("orgs: 1"), "{detail}");
            assert!(detail.contains("audit_log: 1"), "{detail}");
        }
        Err(other) => panic!("a load into a store in use: {other}"),
        Ok(_) => panic!("a load into a store in use was begun"),
    }
    assert_eq!(store.system_orgs().await.unwrap(), [hub]);
}

/// A load dropped before its commit (a copy that failed midway) leaves the store empty, and
/// usable as a new one.
pub async fn an_abandoned_copy_leaves_the_store_empty(store: &dyn Store) {
    let rows = rows();
    let mut load = store
        .system_load()
        .await
        .expect("a load into an empty store");
    for (name, rows) in &rows {
        let table = table(name).expect("a table");
        load.rows(table, rows).await.expect("rows written");
    }
    drop(load);
    let counts = store.system_row_counts().await.unwrap();
    assert_eq!(counts.len(), TABLES.len());
    assert!(counts.iter().all(|(_, rows)| *rows == 0), "{counts:?}");
    drop(store.system_load().await.expect("still empty"));
    let first = org(store, "first", OrgKind::Hub).await;
    assert_eq!(first.name, "first");
}

/// A loaded store holds every value as given (dumped back unchanged), its audit chain verifies
/// with the copied head, and what is added after continues above every copied mark: an
/// organization id above the copied ones, an object `seq` above the source's high-water mark and
/// a `date_added` after its clock, a job id above the copied ones, an audit entry after the
/// copied head.
pub async fn a_loaded_copy_keeps_every_value_and_continues_after_it(store: &dyn Store) {
    let rows = rows();
    let marks = Watermarks {
        identities: vec![("orgs", 9), ("stix_objects", 45), ("jobs", 12)],
        last_date_added: Some(at(50)),
    };
    let mut load = store
        .system_load()
        .await
        .expect("a load into an empty store");
    for (name, rows) in &rows {
        load.rows(table(name).unwrap(), rows).await.expect("rows");
    }
    load.commit(&marks).await.expect("committed");

    let counts = store.system_row_counts().await.unwrap();
    for (name, rows) in &rows {
        let count = counts.iter().find(|(table, _)| table == name).unwrap().1;
        assert_eq!(count, rows.len() as u64, "{name}");
    }
    let mut dump = store.system_dump().await.expect("a dump");
    for (name, expected) in &rows {
        let table = table(name).unwrap();
        // Two rows per chunk: the keyset paging of every table's key is exercised too.
        let mut dumped: Vec<Row> = Vec::new();
        loop {
            let after = dumped.last().map(|row| row[..table.key_len].to_vec());
            let chunk = dump.rows(table, after.as_deref(), 2).await.expect("rows");
            let done = chunk.len() < 2;
            dumped.extend(chunk);
            if done {
                break;
            }
        }
        assert_eq!(&dumped, expected, "{name} dumped back");
    }
    let dumped_marks = dump.watermarks().await.expect("watermarks");
    assert_eq!(dumped_marks.last_date_added, marks.last_date_added);
    // orgs is the exception a backend may make (SQLite continues after the highest row, as
    // its schema has no AUTOINCREMENT there); ids above the mark were never given to a row.
    for name in ["stix_objects", "jobs"] {
        assert_eq!(dumped_marks.identity(name), marks.identity(name), "{name}");
    }
    drop(dump);

    let head = match verify_store(store).await.unwrap() {
        Ok(head) => head,
        Err(broken) => panic!("the copied chain: {broken}"),
    };
    assert_eq!(head, (2, audit_hashes().1));
    let token = store.system_token("tok-1").await.unwrap().expect("token");
    assert_eq!(token.hash, "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA");
    assert_eq!(token.revoked, Some(at(2)));
    let incident = store
        .incident(OrgId(9), "INC-1")
        .await
        .unwrap()
        .expect("incident");
    assert_eq!((incident.version, incident.items.len()), (3, 2));

    // What comes after the copy.
    let newcomer = org(store, "newcomer", OrgKind::Member).await;
    assert!(newcomer.id.0 > 9, "{newcomer:?}");
    let member = store.system_org(OrgId(9)).await.unwrap().expect("org 9");
    store
        .add_objects(
            member.id,
            &actor(&member),
            COMMUNITY,
            &[object(
                "indicator--00000000-0000-4000-8000-000000000002",
                "indicator",
                1,
            )],
            Vec::new(),
            &kyoyu_store::Effects::NONE,
        )
        .await
        .expect("an object after the copy");
    let page = store
        .objects(
            member.id,
            COMMUNITY,
            &ObjectQuery {
                versions: VersionMatch::All,
                limit: 10,
                ..ObjectQuery::default()
            },
        )
        .await
        .unwrap();
    let seqs: Vec<i64> = page.objects.iter().map(|object| object.seq).collect();
    assert_eq!(&seqs[..2], [40, 41], "copied seqs kept");
    let new = page.objects.last().unwrap();
    assert!(new.seq > 45, "a seq above the high-water mark: {seqs:?}");
    assert!(
        new.date_added > at(50),
        "after the clock: {}",
        new.date_added
    );
    assert_eq!(page.objects[0].date_added, at(10));
    let job = store
        .system_enqueue(&kyoyu_store::NewJob {
            kind: "audit_verify".into(),
            tenant: None,
            payload: serde_json::json!({}),
            key: None,
            run_after: at(30),
        })
        .await
        .unwrap();
    assert!(job > 12, "job id {job}");
    let log = store.system_audit_log(2, 10).await.unwrap();
    assert_eq!(log[0].seq, 3);
    assert_eq!(
        log[0].prev_hash,
        audit_hashes().1,
        "continues the copied chain"
    );
    assert!(verify_store(store).await.unwrap().is_ok());
}

const COMMUNITY: &str = "3f6b2a3e-0000-4000-8000-0000000000c0";

fn at(minute: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap()
        + TimeDelta::minutes(minute)
        + TimeDelta::microseconds(123_456)
}

fn text(text: &str) -> Value {
    Value::Text(text.to_owned())
}

const ORG_CREATED: &str = r#"{"action":"org_created","name":"hub-7","kind":"hub"}"#;
const CONSENT_GRANTED: &str = r#"{"action":"consent_granted","vendor":8}"#;

/// The hashes of the two audit entries [`rows`] holds.
fn audit_hashes() -> (String, String) {
    let first = entry_hash(GENESIS, 1, &at(0), None, "operator", ORG_CREATED);
    let second = entry_hash(&first, 2, &at(3), Some(OrgId(9)), "tok-1", CONSENT_GRANTED);
    (first, second)
}

/// A row of every table, in key order, with every column kind and NULL where allowed.
fn rows() -> Vec<(&'static str, Vec<Row>)> {
    use Value::{Flag, Integer, Null, OrgList, Time};
    let (first_hash, second_hash) = audit_hashes();
    let object_json = |version: &str| {
        format!(
            r#"{{"type":"indicator","id":"indicator--00000000-0000-4000-8000-000000000001","modified":"{version}"}}"#
        )
    };
    let header = r#"{"incident":{"title":"ransomware"}}"#;
    vec![
        (
            "orgs",
            vec![
                vec![Integer(7), text("hub-7"), text("hub"), Time(at(0))],
                vec![Integer(8), text("vendor-8"), text("vendor"), Time(at(0))],
                vec![Integer(9), text("victim-9"), text("victim"), Time(at(1))],
            ],
        ),
        (
            "tokens",
            vec![vec![
                text("tok-1"),
                Integer(9),
                text("responder"),
                text("alice"),
                text("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"),
                Time(at(1)),
                Time(at(2)),
            ]],
        ),
        (
            "incidents",
            vec![vec![
                Integer(9),
                text("INC-1"),
                Integer(3),
                text(header),
                Time(at(1)),
                Time(at(4)),
            ]],
        ),
        (
            "incident_entries",
            vec![
                vec![
                    Integer(9),
                    text("INC-1"),
                    text("items"),
                    Integer(0),
                    text(r#"{"id":"i1"}"#),
                ],
                vec![
                    Integer(9),
                    text("INC-1"),
                    text("items"),
                    Integer(1),
                    text(r#"{"id":"i2"}"#),
                ],
                vec![
                    Integer(9),
                    text("INC-1"),
                    text("timeline"),
                    Integer(0),
                    text(r#"{"at":"2026-03-01T09:00:00Z"}"#),
                ],
            ],
        ),
        ("consents", vec![vec![Integer(9), Integer(8), Time(at(3))]]),
        (
            "communities",
            vec![vec![
                text(COMMUNITY),
                Integer(7),
                text("early warning"),
                text("copied"),
                text("A"),
                text("amber"),
                Time(at(5)),
            ]],
        ),
        (
            "memberships",
            vec![vec![text(COMMUNITY), Integer(9), Time(at(6))]],
        ),
        (
            "stix_objects",
            vec![
                vec![
                    Integer(40),
                    text(COMMUNITY),
                    text("indicator--00000000-0000-4000-8000-000000000001"),
                    text("indicator"),
                    text("2.1"),
                    text("2026-01-01T00:00:00.000Z"),
                    Time(at(10)),
                    text("green"),
                    OrgList(vec![9, 8]),
                    Integer(9),
                    Flag(false),
                    text(&object_json("2026-01-01T00:00:00.000Z")),
                ],
                vec![
                    Integer(41),
                    text(COMMUNITY),
                    text("indicator--00000000-0000-4000-8000-000000000001"),
                    text("indicator"),
                    text("2.1"),
                    text("2026-01-02T00:00:00.000Z"),
                    Time(at(11)),
                    Null,
                    OrgList(Vec::new()),
                    Null,
                    Flag(true),
                    text(&object_json("2026-01-02T00:00:00.000Z")),
                ],
            ],
        ),
        (
            "statuses",
            vec![vec![
                text("3f6b2a3e-0000-4000-8000-0000000000d0"),
                Integer(9),
                text(COMMUNITY),
                text("complete"),
                Time(at(11)),
                text("[]"),
                text("[]"),
            ]],
        ),
        (
            "audit_log",
            vec![
                vec![
                    Integer(1),
                    Time(at(0)),
                    Null,
                    text("operator"),
                    text(ORG_CREATED),
                    text(GENESIS),
                    text(&first_hash),
                ],
                vec![
                    Integer(2),
                    Time(at(3)),
                    Integer(9),
                    text("tok-1"),
                    text(CONSENT_GRANTED),
                    text(&first_hash),
                    text(&second_hash),
                ],
            ],
        ),
        (
            "jobs",
            vec![
                vec![
                    Integer(5),
                    text("audit_verify"),
                    Null,
                    text("{}"),
                    Null,
                    text("done"),
                    Time(at(20)),
                    Integer(1),
                    text("worker-1"),
                    Null,
                    Null,
                    Time(at(20)),
                    Time(at(21)),
                ],
                vec![
                    Integer(6),
                    text("audit_verify"),
                    Integer(9),
                    text("{}"),
                    text("once"),
                    text("queued"),
                    Time(at(22)),
                    Integer(2),
                    Null,
                    Time(at(23)),
                    text("it failed"),
                    Time(at(22)),
                    Null,
                ],
            ],
        ),
        ("schedules", vec![vec![text("audit_verify"), Time(at(60))]]),
        (
            "hub_submissions",
            vec![
                vec![
                    Integer(7),
                    text("sub-1"),
                    text("m-00000000000000000001"),
                    Integer(20_424),
                    text("manufacturing"),
                    Null,
                    Null,
                    Flag(true),
                    Flag(false),
                    text(r#"[{"type":"domain-name","value":"c2.evil.example"}]"#),
                    text(&"a".repeat(64)),
                ],
                vec![
                    Integer(7),
                    text("sub-2"),
                    text("m-00000000000000000002"),
                    Integer(20_425),
                    Null,
                    text("kanto"),
                    text("small"),
                    Flag(false),
                    Flag(true),
                    text("[]"),
                    text(&"b".repeat(64)),
                ],
            ],
        ),
        (
            "hub_provenance",
            vec![vec![Integer(7), text("sub-1"), Integer(9)]],
        ),
    ]
}
