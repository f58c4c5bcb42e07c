//! The store conformance suite: what the server relies on from any [`Store`], written against
//! `&dyn Store` so every backend runs the same functions (SQLite in `tests/conformance.rs`, a
//! PostgreSQL backend by including this module).
//!
//! Key decision: each function gets a fresh, empty store and states one behaviour; the
//! backend-specific checks (pragmas, migrations, tampering with the file) live beside each
//! backend, not here.

use chrono::{SubsecRound, TimeDelta, Utc};
use kyoyu_store::audit::GENESIS;
use kyoyu_store::{
    Actor, AuditAction, ChainBreak, CommunityRecord, IncidentDoc, NewObject, ObjectQuery, Org,
    OrgId, OrgKind, Part, Role, Standing, StatusDetail, Store, StoreError, TokenRecord,
    VersionMatch, verify_chain,
};
use serde_json::json;

fn operator() -> Actor {
    Actor::operator()
}

fn actor(org: &Org) -> Actor {
    Actor {
        org: Some(org.id),
        who: format!("token-of-{}", org.name),
    }
}

async fn org(store: &dyn Store, name: &str, kind: OrgKind) -> Org {
    store
        .system_create_org(&operator(), name, kind)
        .await
        .expect("create org")
}

fn community_record(owner: &Org, id: &str) -> CommunityRecord {
    CommunityRecord {
        id: id.to_owned(),
        owner: owner.id,
        title: format!("Community {id}"),
        description: "for tests".to_owned(),
        kind: kyoyu_store::CommunityKind::Hub,
        max_tlp: kyoyu_store::Tlp::Amber,
        created: Utc::now().trunc_subsecs(6),
    }
}

const COLLECTION: &str = "3f6b2a3e-0000-4000-8000-000000000001";

/// A hub owning `COLLECTION`, a member of it, and an outsider.
async fn hub_member_outsider(store: &dyn Store) -> (Org, Org, Org) {
    let hub = org(store, "hub", OrgKind::Hub).await;
    let member = org(store, "member", OrgKind::Member).await;
    let outsider = org(store, "outsider", OrgKind::Member).await;
    store
        .create_community(hub.id, &actor(&hub), &community_record(&hub, COLLECTION))
        .await
        .unwrap();
    store
        .add_member(hub.id, &actor(&hub), COLLECTION, member.id)
        .await
        .unwrap();
    (hub, member, outsider)
}

fn version(minute: u32) -> String {
    format!("2026-01-01T00:{minute:02}:00.000Z")
}

fn object(id: &str, object_type: &str, minute: u32) -> NewObject {
    let version = version(minute);
    NewObject {
        id: id.to_owned(),
        object_type: object_type.to_owned(),
        spec_version: "2.1".to_owned(),
        version: version.clone(),
        tlp: Some(kyoyu_store::Tlp::Green),
        audience: Vec::new(),
        json: format!(r#"{{"type":"{object_type}","id":"{id}","modified":"{version}"}}"#),
    }
}

fn query(limit: usize) -> ObjectQuery {
    ObjectQuery {
        limit,
        ..ObjectQuery::default()
    }
}

fn incident(id: &str) -> IncidentDoc {
    IncidentDoc::split(
        id,
        json!({
            "incident": {"title": "ransomware"},
            "items": [{"id": "i1"}, {"id": "i2"}],
            "timeline": [{"at": "2026-01-01T00:00:00Z"}],
        }),
    )
    .expect("an incident document")
}

fn token(id: &str, org: &Org) -> TokenRecord {
    TokenRecord {
        id: id.to_owned(),
        org: org.id,
        role: Role::Responder,
        label: "alice".to_owned(),
        hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned(),
        created: Utc::now().trunc_subsecs(6),
        revoked: None,
    }
}

fn is_not_found<T: std::fmt::Debug>(result: Result<T, StoreError>) -> bool {
    matches!(result, Err(StoreError::NotFound(_)))
}

pub async fn organizations_are_unique_by_name(store: &dyn Store) {
    let victim = org(store, "victim", OrgKind::Victim).await;
    let hub = org(store, "hub", OrgKind::Hub).await;
    assert_ne!(victim.id, hub.id);
    assert!(matches!(
        store
            .system_create_org(&operator(), "victim", OrgKind::Member)
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        store.system_org_by_name("victim").await.unwrap(),
        Some(victim.clone())
    );
    assert_eq!(store.system_org(hub.id).await.unwrap(), Some(hub.clone()));
    assert_eq!(store.system_org(OrgId(9999)).await.unwrap(), None);
    assert_eq!(store.system_org_by_name("nobody").await.unwrap(), None);
    assert_eq!(store.system_orgs().await.unwrap(), vec![victim, hub]);
}

pub async fn tokens_keep_the_hash_and_are_revoked_only_by_their_tenant(store: &dyn Store) {
    let victim = org(store, "victim", OrgKind::Victim).await;
    let other = org(store, "other", OrgKind::Victim).await;
    let record = token("0123456789ab", &victim);
    store
        .system_create_token(&operator(), &record)
        .await
        .unwrap();
    assert_eq!(
        store.system_token("0123456789ab").await.unwrap(),
        Some(record.clone())
    );
    assert_eq!(store.system_token("ffffffffffff").await.unwrap(), None);
    assert!(matches!(
        store.system_create_token(&operator(), &record).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(is_not_found(
        store
            .system_create_token(
                &operator(),
                &token(
                    "aaaaaaaaaaaa",
                    &Org {
                        id: OrgId(999),
                        ..other.clone()
                    }
                )
            )
            .await
    ));

    // Another tenant cannot revoke it, nor learn that it exists.
    assert!(is_not_found(
        store
            .revoke_token(other.id, &actor(&other), "0123456789ab")
            .await
    ));
    assert_eq!(
        store
            .system_token("0123456789ab")
            .await
            .unwrap()
            .unwrap()
            .revoked,
        None
    );

    store
        .revoke_token(victim.id, &actor(&victim), "0123456789ab")
        .await
        .unwrap();
    let revoked = store.system_token("0123456789ab").await.unwrap().unwrap();
    let when = revoked.revoked.expect("revoked");
    // Revoking again keeps the first time.
    store
        .revoke_token(victim.id, &actor(&victim), "0123456789ab")
        .await
        .unwrap();
    assert_eq!(
        store
            .system_token("0123456789ab")
            .await
            .unwrap()
            .unwrap()
            .revoked,
        Some(when)
    );
    assert_eq!(revoked.hash, record.hash);
}

pub async fn incidents_are_visible_only_to_their_tenant(store: &dyn Store) {
    let a = org(store, "a", OrgKind::Victim).await;
    let b = org(store, "b", OrgKind::Victim).await;
    store
        .create_incident(a.id, &actor(&a), &incident("INC-1"))
        .await
        .unwrap();
    assert_eq!(store.incident(b.id, "INC-1").await.unwrap(), None);
    assert!(store.incidents(b.id).await.unwrap().is_empty());
    assert!(is_not_found(
        store
            .append(
                b.id,
                &actor(&b),
                "INC-1",
                1,
                Part::Items,
                &[json!({"id": "x"})]
            )
            .await
    ));
    assert!(is_not_found(
        store
            .replace_header(b.id, &actor(&b), "INC-1", 1, &json!({}))
            .await
    ));
    // The same id in another tenant is another incident.
    store
        .create_incident(b.id, &actor(&b), &incident("INC-1"))
        .await
        .unwrap();
    assert!(matches!(
        store
            .create_incident(a.id, &actor(&a), &incident("INC-1"))
            .await,
        Err(StoreError::Conflict(_))
    ));
    store
        .append(
            b.id,
            &actor(&b),
            "INC-1",
            1,
            Part::Items,
            &[json!({"id": "b3"})],
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .incident(a.id, "INC-1")
            .await
            .unwrap()
            .unwrap()
            .items
            .len(),
        2
    );
    assert_eq!(
        store
            .incident(b.id, "INC-1")
            .await
            .unwrap()
            .unwrap()
            .items
            .len(),
        3
    );
}

pub async fn incidents_round_trip_and_grow_in_order(store: &dyn Store) {
    let victim = org(store, "victim", OrgKind::Victim).await;
    let who = actor(&victim);
    let doc = incident("INC-7");
    store.create_incident(victim.id, &who, &doc).await.unwrap();
    let stored = store.incident(victim.id, "INC-7").await.unwrap().unwrap();
    assert_eq!(stored.version, 1);
    assert_eq!(stored.header, doc.header);
    assert_eq!(stored.items, doc.items);
    assert_eq!(stored.timeline, doc.timeline);
    assert!(stored.approvals.is_empty());
    assert_eq!(stored.document(), doc.document());

    let more: Vec<_> = (3..=12).map(|n| json!({"id": format!("i{n}")})).collect();
    assert_eq!(
        store
            .append(victim.id, &who, "INC-7", 1, Part::Items, &more)
            .await
            .unwrap(),
        2
    );
    // A writer that read version 1 is stale now.
    assert!(matches!(
        store
            .append(victim.id, &who, "INC-7", 1, Part::Items, &more)
            .await,
        Err(StoreError::Stale(_))
    ));
    assert!(matches!(
        store
            .replace_header(victim.id, &who, "INC-7", 1, &json!({}))
            .await,
        Err(StoreError::Stale(_))
    ));
    assert_eq!(
        store
            .append(
                victim.id,
                &who,
                "INC-7",
                2,
                Part::Approvals,
                &[json!({"item": "i1"})]
            )
            .await
            .unwrap(),
        3
    );
    let header = json!({"incident": {"title": "ransomware, contained"}});
    assert_eq!(
        store
            .replace_header(victim.id, &who, "INC-7", 3, &header)
            .await
            .unwrap(),
        4
    );
    assert!(is_not_found(
        store
            .append(victim.id, &who, "INC-8", 1, Part::Items, &more)
            .await
    ));

    let stored = store.incident(victim.id, "INC-7").await.unwrap().unwrap();
    assert_eq!(stored.version, 4);
    assert_eq!(stored.header, header);
    let ids: Vec<_> = stored
        .items
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_owned())
        .collect();
    let expected: Vec<_> = (1..=12).map(|n| format!("i{n}")).collect();
    assert_eq!(ids, expected, "entries keep their order");
    assert_eq!(stored.approvals, vec![json!({"item": "i1"})]);
    assert!(stored.updated >= stored.created);

    store
        .create_incident(victim.id, &who, &incident("INC-2"))
        .await
        .unwrap();
    let list = store.incidents(victim.id).await.unwrap();
    let summary: Vec<_> = list
        .iter()
        .map(|s| (s.id.as_str(), s.version, s.items))
        .collect();
    assert_eq!(summary, vec![("INC-2", 1, 2), ("INC-7", 4, 12)]);
}

pub async fn consents_are_granted_and_withdrawn(store: &dyn Store) {
    let victim = org(store, "victim", OrgKind::Victim).await;
    let vendor = org(store, "vendor", OrgKind::Vendor).await;
    let who = actor(&victim);
    assert!(store.consents_held(vendor.id).await.unwrap().is_empty());
    store
        .grant_consent(victim.id, &who, vendor.id)
        .await
        .unwrap();
    store
        .grant_consent(victim.id, &who, vendor.id)
        .await
        .unwrap();
    assert_eq!(
        store.consents_held(vendor.id).await.unwrap(),
        vec![victim.id]
    );
    assert!(store.consents_held(victim.id).await.unwrap().is_empty());
    assert!(is_not_found(
        store.grant_consent(victim.id, &who, OrgId(999)).await
    ));
    store
        .withdraw_consent(victim.id, &who, vendor.id)
        .await
        .unwrap();
    assert!(store.consents_held(vendor.id).await.unwrap().is_empty());
    assert!(is_not_found(
        store.withdraw_consent(victim.id, &who, vendor.id).await
    ));
}

pub async fn communities_are_seen_by_owner_and_members_only(store: &dyn Store) {
    let (hub, member, outsider) = hub_member_outsider(store).await;
    let owned = store.communities(hub.id).await.unwrap();
    assert_eq!(owned.len(), 1);
    assert_eq!(owned[0].0.id, COLLECTION);
    assert_eq!(owned[0].1, Standing::Owner);
    assert_eq!(owned[0].0.owner, hub.id);
    let joined = store.communities(member.id).await.unwrap();
    assert_eq!(joined, vec![(owned[0].0.clone(), Standing::Member)]);
    assert!(store.communities(outsider.id).await.unwrap().is_empty());

    assert_eq!(
        store
            .community(hub.id, COLLECTION)
            .await
            .unwrap()
            .map(|c| c.1),
        Some(Standing::Owner)
    );
    assert_eq!(
        store
            .community(member.id, COLLECTION)
            .await
            .unwrap()
            .map(|c| c.1),
        Some(Standing::Member)
    );
    assert_eq!(
        store.community(outsider.id, COLLECTION).await.unwrap(),
        None
    );

    // Only the owner manages it; a member or outsider is told "not found".
    assert_eq!(
        store.members(hub.id, COLLECTION).await.unwrap(),
        vec![member.id]
    );
    for other in [&member, &outsider] {
        assert!(is_not_found(store.members(other.id, COLLECTION).await));
        assert!(is_not_found(
            store
                .add_member(other.id, &actor(other), COLLECTION, outsider.id)
                .await
        ));
        assert!(is_not_found(
            store
                .remove_member(other.id, &actor(other), COLLECTION, member.id)
                .await
        ));
    }
    assert!(is_not_found(
        store.members(hub.id, "no-such-community").await
    ));

    assert!(matches!(
        store
            .create_community(hub.id, &actor(&hub), &community_record(&hub, COLLECTION))
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store
            .create_community(
                outsider.id,
                &actor(&outsider),
                &community_record(&hub, "c2")
            )
            .await,
        Err(StoreError::Forbidden(_))
    ));

    store
        .remove_member(hub.id, &actor(&hub), COLLECTION, member.id)
        .await
        .unwrap();
    assert!(store.communities(member.id).await.unwrap().is_empty());
    assert!(store.members(hub.id, COLLECTION).await.unwrap().is_empty());
    assert!(is_not_found(
        store
            .remove_member(hub.id, &actor(&hub), COLLECTION, member.id)
            .await
    ));
}

pub async fn objects_need_owner_or_member(store: &dyn Store) {
    let (hub, member, outsider) = hub_member_outsider(store).await;
    let objects = [object("indicator--1", "indicator", 0)];
    for (org, standing) in [
        (&hub, Some(Standing::Owner)),
        (&member, Some(Standing::Member)),
        (&outsider, None),
    ] {
        let allowed = standing.is_some();
        let added = store
            .add_objects(org.id, &actor(org), COLLECTION, &objects, Vec::new(), &[])
            .await;
        assert_eq!(added.is_ok(), allowed, "{}", org.name);
        let read = store.objects(org.id, COLLECTION, &query(10)).await;
        assert_eq!(read.is_ok(), allowed, "{}", org.name);
        // The page tells the reader's standing, read with the rows.
        assert_eq!(
            read.as_ref().ok().map(|page| page.standing),
            standing,
            "{}",
            org.name
        );
        if !allowed {
            assert!(is_not_found(added));
            assert!(is_not_found(read));
        }
    }
    assert!(is_not_found(
        store
            .add_objects(hub.id, &actor(&hub), "no-such", &objects, Vec::new(), &[])
            .await
    ));
    assert!(is_not_found(
        store.objects(hub.id, "no-such", &query(10)).await
    ));
    // A member that left reads nothing, not even an empty page.
    store
        .remove_member(hub.id, &actor(&hub), COLLECTION, member.id)
        .await
        .unwrap();
    assert!(is_not_found(
        store.objects(member.id, COLLECTION, &query(10)).await
    ));
}

pub async fn added_objects_are_stored_once_with_a_complete_status(store: &dyn Store) {
    let (hub, member, _) = hub_member_outsider(store).await;
    let objects = [
        object("indicator--1", "indicator", 0),
        object("malware--1", "malware", 0),
        NewObject {
            tlp: Some(kyoyu_store::Tlp::AmberStrict),
            audience: vec![member.id],
            ..object("indicator--2", "indicator", 0)
        },
    ];
    let failures = vec![StatusDetail {
        id: "bogus--1".into(),
        version: version(0),
        message: Some("no type".into()),
    }];
    let status = store
        .add_objects(
            member.id,
            &actor(&member),
            COLLECTION,
            &objects,
            failures.clone(),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(status.status, "complete");
    assert_eq!(status.collection, COLLECTION);
    assert_eq!(status.failures, failures);
    let succeeded: Vec<_> = status
        .successes
        .iter()
        .map(|s| (s.id.as_str(), s.version.as_str(), s.message.is_none()))
        .collect();
    assert_eq!(
        succeeded,
        vec![
            ("indicator--1", version(0).as_str(), true),
            ("malware--1", version(0).as_str(), true),
            ("indicator--2", version(0).as_str(), true)
        ]
    );
    assert_eq!(uuid_version(&status.id), Some('4'), "{}", status.id);

    // The same objects again: successes, no second copy.
    let again = store
        .add_objects(
            hub.id,
            &actor(&hub),
            COLLECTION,
            &objects[..2],
            Vec::new(),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(again.successes.len(), 2);
    assert_ne!(again.id, status.id);
    let page = store
        .objects(hub.id, COLLECTION, &query(100))
        .await
        .unwrap();
    assert_eq!(page.objects.len(), 3);
    assert!(!page.more);
    let stored = &page.objects[2];
    assert_eq!(stored.id, "indicator--2");
    assert_eq!(stored.object_type, "indicator");
    assert_eq!(stored.spec_version, "2.1");
    assert_eq!(stored.tlp, Some(kyoyu_store::Tlp::AmberStrict));
    assert_eq!(stored.audience, vec![member.id]);
    assert_eq!(stored.submitter, Some(member.id));
    assert_eq!(stored.json, objects[2].json);
    assert!(page.objects[0].audience.is_empty());
}

fn uuid_version(id: &str) -> Option<char> {
    let parts: Vec<_> = id.split('-').collect();
    (parts.len() == 5 && id.len() == 36)
        .then(|| parts[2].chars().next())
        .flatten()
}

pub async fn date_added_strictly_increases_with_seq(store: &dyn Store) {
    let (hub, _, _) = hub_member_outsider(store).await;
    // Many objects in one request and many small requests: each gets its own date_added.
    let batch: Vec<_> = (0..300)
        .map(|n| object(&format!("indicator--b{n}"), "indicator", 0))
        .collect();
    store
        .add_objects(hub.id, &actor(&hub), COLLECTION, &batch, Vec::new(), &[])
        .await
        .unwrap();
    for n in 0..30 {
        let one = [object(&format!("indicator--s{n}"), "indicator", 0)];
        store
            .add_objects(hub.id, &actor(&hub), COLLECTION, &one, Vec::new(), &[])
            .await
            .unwrap();
    }
    let page = store
        .objects(hub.id, COLLECTION, &query(1000))
        .await
        .unwrap();
    assert_eq!(page.objects.len(), 330);
    for pair in page.objects.windows(2) {
        assert!(pair[0].seq < pair[1].seq);
        assert!(
            pair[0].date_added < pair[1].date_added,
            "{:?}",
            (pair[0].date_added, pair[1].date_added)
        );
        assert_eq!(pair[1].date_added, pair[1].date_added.trunc_subsecs(6));
    }
}

pub async fn version_matching_follows_the_newest_version(store: &dyn Store) {
    let (hub, _, _) = hub_member_outsider(store).await;
    let who = actor(&hub);
    // Versions 10 and 30 first, then an older one (20) arrives late: 30 stays the latest.
    for minute in [10, 30, 20] {
        store
            .add_objects(
                hub.id,
                &who,
                COLLECTION,
                &[object("indicator--v", "indicator", minute)],
                Vec::new(),
                &[],
            )
            .await
            .unwrap();
    }
    store
        .add_objects(
            hub.id,
            &who,
            COLLECTION,
            &[object("malware--m", "malware", 5)],
            Vec::new(),
            &[],
        )
        .await
        .unwrap();
    let versions_of = |versions: VersionMatch| ObjectQuery {
        ids: vec!["indicator--v".into()],
        versions,
        limit: 10,
        ..ObjectQuery::default()
    };
    let got = |page: kyoyu_store::ObjectPage| {
        page.objects
            .into_iter()
            .map(|o| o.version)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        got(store
            .objects(hub.id, COLLECTION, &versions_of(VersionMatch::Last))
            .await
            .unwrap()),
        vec![version(30)]
    );
    assert_eq!(
        got(store
            .objects(hub.id, COLLECTION, &versions_of(VersionMatch::First))
            .await
            .unwrap()),
        vec![version(10)]
    );
    assert_eq!(
        got(store
            .objects(hub.id, COLLECTION, &versions_of(VersionMatch::All))
            .await
            .unwrap()),
        vec![version(10), version(30), version(20)],
        "in the order added"
    );
    assert_eq!(
        got(store
            .objects(
                hub.id,
                COLLECTION,
                &versions_of(VersionMatch::Exact(vec![version(20), version(59)]))
            )
            .await
            .unwrap()),
        vec![version(20)]
    );
    assert!(
        got(store
            .objects(
                hub.id,
                COLLECTION,
                &versions_of(VersionMatch::Exact(Vec::new()))
            )
            .await
            .unwrap())
        .is_empty()
    );
    // The default is the newest version of every object.
    let all_latest = store.objects(hub.id, COLLECTION, &query(10)).await.unwrap();
    let latest: Vec<_> = all_latest
        .objects
        .iter()
        .map(|o| (o.id.as_str(), o.version.clone()))
        .collect();
    assert_eq!(
        latest,
        vec![("indicator--v", version(30)), ("malware--m", version(5))]
    );
}

pub async fn queries_filter_and_page(store: &dyn Store) {
    let (hub, _, _) = hub_member_outsider(store).await;
    let who = actor(&hub);
    let first: Vec<_> = (0..5)
        .map(|n| object(&format!("indicator--{n}"), "indicator", 0))
        .collect();
    store
        .add_objects(hub.id, &who, COLLECTION, &first, Vec::new(), &[])
        .await
        .unwrap();
    let mut second: Vec<_> = (0..5)
        .map(|n| object(&format!("malware--{n}"), "malware", 0))
        .collect();
    second[4].spec_version = "2.0".into();
    store
        .add_objects(hub.id, &who, COLLECTION, &second, Vec::new(), &[])
        .await
        .unwrap();
    let everything = store
        .objects(hub.id, COLLECTION, &query(100))
        .await
        .unwrap()
        .objects;
    assert_eq!(everything.len(), 10);

    let ids =
        |page: kyoyu_store::ObjectPage| page.objects.into_iter().map(|o| o.id).collect::<Vec<_>>();
    let types = ObjectQuery {
        types: vec!["malware".into()],
        ..query(100)
    };
    assert_eq!(
        ids(store.objects(hub.id, COLLECTION, &types).await.unwrap()).len(),
        5
    );
    let by_id = ObjectQuery {
        ids: vec!["malware--1".into(), "indicator--3".into(), "x--9".into()],
        ..query(100)
    };
    assert_eq!(
        ids(store.objects(hub.id, COLLECTION, &by_id).await.unwrap()),
        vec!["indicator--3", "malware--1"]
    );
    let spec = ObjectQuery {
        spec_versions: vec!["2.0".into()],
        ..query(100)
    };
    assert_eq!(
        ids(store.objects(hub.id, COLLECTION, &spec).await.unwrap()),
        vec!["malware--4"]
    );

    // added_after is strictly after.
    let pivot = everything[6].date_added;
    let after = ObjectQuery {
        added_after: Some(pivot),
        ..query(100)
    };
    assert_eq!(
        ids(store.objects(hub.id, COLLECTION, &after).await.unwrap()),
        vec!["malware--2", "malware--3", "malware--4"]
    );
    let before_all = ObjectQuery {
        added_after: Some(everything[0].date_added - TimeDelta::seconds(1)),
        ..query(100)
    };
    assert_eq!(
        store
            .objects(hub.id, COLLECTION, &before_all)
            .await
            .unwrap()
            .objects
            .len(),
        10
    );
    let after_all = ObjectQuery {
        added_after: Some(everything[9].date_added),
        ..query(100)
    };
    assert!(
        store
            .objects(hub.id, COLLECTION, &after_all)
            .await
            .unwrap()
            .objects
            .is_empty()
    );
    // Not on the microsecond grid: a time between two rows' times.
    let between = ObjectQuery {
        added_after: Some(pivot + TimeDelta::nanoseconds(500)),
        ..query(100)
    };
    assert_eq!(
        store
            .objects(hub.id, COLLECTION, &between)
            .await
            .unwrap()
            .objects
            .len(),
        3
    );

    // Paging by seq with `more` telling whether another row matches.
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .objects(
                hub.id,
                COLLECTION,
                &ObjectQuery {
                    after_seq: cursor,
                    ..query(3)
                },
            )
            .await
            .unwrap();
        assert!(page.objects.len() <= 3);
        cursor = page.objects.last().map(|o| o.seq);
        seen.extend(page.objects.into_iter().map(|o| o.id));
        if !page.more {
            break;
        }
    }
    assert_eq!(
        seen,
        everything.iter().map(|o| o.id.clone()).collect::<Vec<_>>()
    );
    let exact = store.objects(hub.id, COLLECTION, &query(10)).await.unwrap();
    assert!(!exact.more, "exactly `limit` rows: no more");
    let exact = store.objects(hub.id, COLLECTION, &query(9)).await.unwrap();
    assert!(exact.more);
    let after_last = ObjectQuery {
        after_seq: Some(everything[9].seq),
        ..query(10)
    };
    let page = store
        .objects(hub.id, COLLECTION, &after_last)
        .await
        .unwrap();
    assert!(page.objects.is_empty() && !page.more);
    let combined = ObjectQuery {
        types: vec!["indicator".into()],
        after_seq: Some(everything[1].seq),
        ..query(2)
    };
    let page = store.objects(hub.id, COLLECTION, &combined).await.unwrap();
    assert_eq!(
        page.objects
            .iter()
            .map(|o| o.id.as_str())
            .collect::<Vec<_>>(),
        vec!["indicator--2", "indicator--3"]
    );
    assert!(page.more);
}

pub async fn collections_do_not_mix(store: &dyn Store) {
    let (hub, _, _) = hub_member_outsider(store).await;
    let other_hub = org(store, "other hub", OrgKind::Hub).await;
    let other = "3f6b2a3e-0000-4000-8000-000000000002";
    store
        .create_community(
            other_hub.id,
            &actor(&other_hub),
            &community_record(&other_hub, other),
        )
        .await
        .unwrap();
    store
        .add_objects(
            hub.id,
            &actor(&hub),
            COLLECTION,
            &[object("indicator--1", "indicator", 0)],
            Vec::new(),
            &[],
        )
        .await
        .unwrap();
    store
        .add_objects(
            other_hub.id,
            &actor(&other_hub),
            other,
            &[object("indicator--1", "indicator", 1)],
            Vec::new(),
            &[],
        )
        .await
        .unwrap();
    let mine = store.objects(hub.id, COLLECTION, &query(10)).await.unwrap();
    assert_eq!(mine.objects.len(), 1);
    assert_eq!(mine.objects[0].version, version(0));
    assert!(is_not_found(store.objects(hub.id, other, &query(10)).await));
    let theirs = store
        .objects(other_hub.id, other, &query(10))
        .await
        .unwrap();
    assert_eq!(theirs.objects[0].version, version(1));
}

async fn latest_versions(store: &dyn Store, tenant: OrgId, id: &str) -> Vec<String> {
    let query = ObjectQuery {
        ids: vec![id.into()],
        ..query(10)
    };
    let page = store.objects(tenant, COLLECTION, &query).await.unwrap();
    page.objects.into_iter().map(|o| o.version).collect()
}

pub async fn deleting_objects_keeps_the_latest_right(store: &dyn Store) {
    let (hub, member, outsider) = hub_member_outsider(store).await;
    let who = actor(&hub);
    let versions: Vec<_> = [1, 2, 3]
        .into_iter()
        .map(|m| object("indicator--d", "indicator", m))
        .collect();
    store
        .add_objects(hub.id, &who, COLLECTION, &versions, Vec::new(), &[])
        .await
        .unwrap();
    store
        .add_objects(
            hub.id,
            &who,
            COLLECTION,
            &[object("malware--keep", "malware", 1)],
            Vec::new(),
            &[],
        )
        .await
        .unwrap();
    for other in [&member, &outsider] {
        assert!(is_not_found(
            store
                .delete_object(
                    other.id,
                    &actor(other),
                    COLLECTION,
                    "indicator--d",
                    &VersionMatch::All
                )
                .await
        ));
    }
    assert_eq!(
        latest_versions(store, hub.id, "indicator--d").await,
        vec![version(3)]
    );
    assert_eq!(
        store
            .delete_object(
                hub.id,
                &who,
                COLLECTION,
                "indicator--d",
                &VersionMatch::Last
            )
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        latest_versions(store, hub.id, "indicator--d").await,
        vec![version(2)]
    );
    assert_eq!(
        store
            .delete_object(
                hub.id,
                &who,
                COLLECTION,
                "indicator--d",
                &VersionMatch::First
            )
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        latest_versions(store, hub.id, "indicator--d").await,
        vec![version(2)]
    );
    store
        .add_objects(
            hub.id,
            &who,
            COLLECTION,
            &[object("indicator--d", "indicator", 4)],
            Vec::new(),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .delete_object(
                hub.id,
                &who,
                COLLECTION,
                "indicator--d",
                &VersionMatch::Exact(vec![version(4), version(9)])
            )
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        latest_versions(store, hub.id, "indicator--d").await,
        vec![version(2)]
    );
    store
        .add_objects(
            hub.id,
            &who,
            COLLECTION,
            &[object("indicator--d", "indicator", 5)],
            Vec::new(),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .delete_object(hub.id, &who, COLLECTION, "indicator--d", &VersionMatch::All)
            .await
            .unwrap(),
        2
    );
    assert!(
        latest_versions(store, hub.id, "indicator--d")
            .await
            .is_empty()
    );
    assert_eq!(
        store
            .delete_object(hub.id, &who, COLLECTION, "indicator--d", &VersionMatch::All)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        store
            .objects(hub.id, COLLECTION, &query(10))
            .await
            .unwrap()
            .objects
            .len(),
        1
    );

    let deleted: Vec<_> = store
        .audit_entries(hub.id, 0, 100)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|e| match serde_json::from_str(&e.action).unwrap() {
            AuditAction::ObjectDeleted { id, versions, .. } => Some((id, versions)),
            _ => None,
        })
        .collect();
    let d = || "indicator--d".to_owned();
    assert_eq!(deleted, vec![(d(), 1), (d(), 1), (d(), 1), (d(), 2)]);
}

pub async fn seq_is_never_reused_after_a_delete(store: &dyn Store) {
    let (hub, _, _) = hub_member_outsider(store).await;
    let who = actor(&hub);
    store
        .add_objects(
            hub.id,
            &who,
            COLLECTION,
            &[object("indicator--1", "indicator", 0)],
            Vec::new(),
            &[],
        )
        .await
        .unwrap();
    let first = store
        .objects(hub.id, COLLECTION, &query(10))
        .await
        .unwrap()
        .objects
        .remove(0);
    store
        .delete_object(hub.id, &who, COLLECTION, "indicator--1", &VersionMatch::All)
        .await
        .unwrap();
    store
        .add_objects(
            hub.id,
            &who,
            COLLECTION,
            &[object("indicator--2", "indicator", 0)],
            Vec::new(),
            &[],
        )
        .await
        .unwrap();
    let second = store
        .objects(hub.id, COLLECTION, &query(10))
        .await
        .unwrap()
        .objects
        .remove(0);
    assert!(
        second.seq > first.seq,
        "a client's cursor must not skip the new object"
    );
    assert!(second.date_added > first.date_added);
}

pub async fn statuses_are_seen_only_by_the_poster(store: &dyn Store) {
    let (hub, member, outsider) = hub_member_outsider(store).await;
    let status = store
        .add_objects(
            member.id,
            &actor(&member),
            COLLECTION,
            &[object("indicator--1", "indicator", 0)],
            Vec::new(),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        store.status(member.id, &status.id).await.unwrap(),
        Some(status.clone())
    );
    assert_eq!(store.status(hub.id, &status.id).await.unwrap(), None);
    assert_eq!(store.status(outsider.id, &status.id).await.unwrap(), None);
    assert_eq!(
        store.status(member.id, "no-such-status").await.unwrap(),
        None
    );
}

/// Runs the mutating methods once each and returns how many entries they should have logged.
async fn a_bit_of_everything(store: &dyn Store) -> (Org, Org, usize) {
    let (hub, member, _) = hub_member_outsider(store).await; // 3 orgs, community, member: 5
    let victim = org(store, "victim", OrgKind::Victim).await; // 6
    let vendor = org(store, "vendor", OrgKind::Vendor).await; // 7
    store
        .system_create_token(&operator(), &token("0123456789ab", &victim))
        .await
        .unwrap(); // 8
    store
        .revoke_token(victim.id, &actor(&victim), "0123456789ab")
        .await
        .unwrap(); // 9
    store
        .grant_consent(victim.id, &actor(&victim), vendor.id)
        .await
        .unwrap(); // 10
    store
        .withdraw_consent(victim.id, &actor(&victim), vendor.id)
        .await
        .unwrap(); // 11
    store
        .create_incident(victim.id, &actor(&victim), &incident("INC-1"))
        .await
        .unwrap(); // 12
    store
        .append(
            victim.id,
            &actor(&victim),
            "INC-1",
            1,
            Part::Timeline,
            &[json!({})],
        )
        .await
        .unwrap(); // 13
    store
        .replace_header(victim.id, &actor(&victim), "INC-1", 2, &json!({}))
        .await
        .unwrap(); // 14
    let released = AuditAction::Released {
        incident: "INC-1".into(),
        item: "i1".into(),
        channel: "share".into(),
        community: COLLECTION.into(),
        tlp: "green".into(),
        form: "as_is".into(),
        approved_by: None,
        object: "indicator--1".into(),
    };
    store
        .add_objects(
            member.id,
            &actor(&member),
            COLLECTION,
            &[object("indicator--1", "indicator", 0)],
            Vec::new(),
            &[released.clone(), released],
        )
        .await
        .unwrap(); // 15, 16, 17
    store
        .delete_object(
            hub.id,
            &actor(&hub),
            COLLECTION,
            "indicator--1",
            &VersionMatch::All,
        )
        .await
        .unwrap(); // 18
    store
        .remove_member(hub.id, &actor(&hub), COLLECTION, member.id)
        .await
        .unwrap(); // 19
    store
        .audit(
            victim.id,
            &actor(&victim),
            &AuditAction::TokenRevoked { token: "x".into() },
        )
        .await
        .unwrap(); // 20
    (victim, member, 20)
}

pub async fn every_change_is_in_an_intact_audit_chain(store: &dyn Store) {
    let (victim, member, count) = a_bit_of_everything(store).await;
    let log = store.system_audit_log(0, 1000).await.unwrap();
    assert_eq!(log.len(), count);
    assert_eq!(log[0].prev_hash, GENESIS);
    let head = verify_chain((0, GENESIS.into()), &log).expect("intact");
    assert_eq!(head, (count as i64, log[count - 1].hash.clone()));
    // Read page by page, as `kyoyu audit verify` does.
    let mut last = (0, GENESIS.to_owned());
    loop {
        let page = store.system_audit_log(last.0, 7).await.unwrap();
        if page.is_empty() {
            break;
        }
        last = verify_chain(last, &page).unwrap();
    }
    assert_eq!(last, head);

    let actions: Vec<AuditAction> = log
        .iter()
        .map(|e| serde_json::from_str(&e.action).unwrap())
        .collect();
    let names: Vec<_> = actions
        .iter()
        .map(|a| {
            serde_json::to_value(a).unwrap()["action"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        names,
        [
            "org_created",
            "org_created",
            "org_created",
            "community_created",
            "member_added",
            "org_created",
            "org_created",
            "token_created",
            "token_revoked",
            "consent_granted",
            "consent_withdrawn",
            "incident_created",
            "incident_changed",
            "incident_changed",
            "objects_added",
            "released",
            "released",
            "object_deleted",
            "member_removed",
            "token_revoked",
        ]
    );
    assert_eq!(log[12].actor, actor(&victim).who);

    // A tenant reads its own entries only.
    let own = store.audit_entries(member.id, 0, 1000).await.unwrap();
    assert_eq!(own.len(), 4, "its creation, the POST and two outflows");
    assert!(own.iter().all(|e| e.tenant == Some(member.id)));
    let victims = store.audit_entries(victim.id, 0, 1000).await.unwrap();
    assert!(victims.iter().all(|e| e.tenant == Some(victim.id)));
    assert_eq!(
        store
            .audit_entries(victim.id, victims[2].seq, 2)
            .await
            .unwrap(),
        victims[3..5].to_vec()
    );
    // The entry `audit` returned is the stored one.
    let entry = store
        .audit(
            victim.id,
            &actor(&victim),
            &AuditAction::ConsentGranted { vendor: OrgId(1) },
        )
        .await
        .unwrap();
    assert_eq!(
        store.system_audit_log(count as i64, 10).await.unwrap(),
        vec![entry]
    );
}

pub async fn a_chain_break_is_reported(store: &dyn Store) {
    // Backend-independent half of the tamper test: a reordered read is found.
    let _ = a_bit_of_everything(store).await;
    let mut log = store.system_audit_log(0, 1000).await.unwrap();
    log.swap(3, 4);
    assert!(matches!(
        verify_chain((0, GENESIS.into()), &log),
        Err(ChainBreak::Missing {
            expected: 4,
            found: 5
        })
    ));
}
