//! The cases on STIX objects in collections (what TAXII relies on): who may add and read,
//! storing once, `date_added` and `seq`, version matching, filters and paging, deletes, and
//! status resources.
//!
//! Key decision: `seq` is the paging cursor a client holds and `date_added` its time, so the
//! cases check that both strictly increase and are never reused, even after deletes.

use chrono::{SubsecRound, TimeDelta};
use kyoyu_store::{
    AuditAction, NewObject, ObjectQuery, OrgId, OrgKind, Standing, StatusDetail, Store,
    VersionMatch,
};

use crate::fixtures::*;

/// Only a collection's owner and members add and read objects, and a page tells the reader's standing.
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
            .add_objects(
                org.id,
                &actor(org),
                COLLECTION,
                &objects,
                Vec::new(),
                &kyoyu_store::Effects::NONE,
            )
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
            .add_objects(
                hub.id,
                &actor(&hub),
                "no-such",
                &objects,
                Vec::new(),
                &kyoyu_store::Effects::NONE
            )
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

/// Added objects are stored once with every field, and each POST gets its own complete status with a v4 UUID.
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
            &kyoyu_store::Effects::NONE,
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
            &kyoyu_store::Effects::NONE,
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

/// Every object gets its own `date_added`, strictly increasing with `seq`, at microsecond resolution.
pub async fn date_added_strictly_increases_with_seq(store: &dyn Store) {
    let (hub, _, _) = hub_member_outsider(store).await;
    // Many objects in one request and many small requests: each gets its own date_added.
    let batch: Vec<_> = (0..300)
        .map(|n| object(&format!("indicator--b{n}"), "indicator", 0))
        .collect();
    store
        .add_objects(
            hub.id,
            &actor(&hub),
            COLLECTION,
            &batch,
            Vec::new(),
            &kyoyu_store::Effects::NONE,
        )
        .await
        .unwrap();
    for n in 0..30 {
        let one = [object(&format!("indicator--s{n}"), "indicator", 0)];
        store
            .add_objects(
                hub.id,
                &actor(&hub),
                COLLECTION,
                &one,
                Vec::new(),
                &kyoyu_store::Effects::NONE,
            )
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

/// `match[version]` (last, first, all, exact) follows the greatest version, not the one added last.
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
                &kyoyu_store::Effects::NONE,
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
            &kyoyu_store::Effects::NONE,
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

/// Several versions of one object in one request: each stored once, the newest of them (or
/// of what was stored before) the latest, a repeat within the request a success without a copy.
pub async fn versions_in_one_request_are_kept_apart(store: &dyn Store) {
    let (hub, _, _) = hub_member_outsider(store).await;
    let who = actor(&hub);
    store
        .add_objects(
            hub.id,
            &who,
            COLLECTION,
            &[object("indicator--w", "indicator", 15)],
            Vec::new(),
            &kyoyu_store::Effects::NONE,
        )
        .await
        .unwrap();
    let status = store
        .add_objects(
            hub.id,
            &who,
            COLLECTION,
            &[
                object("indicator--w", "indicator", 40),
                object("indicator--w", "indicator", 10),
                object("indicator--w", "indicator", 40),
                object("indicator--x", "indicator", 20),
                object("indicator--x", "indicator", 25),
                object("indicator--w", "indicator", 30),
            ],
            Vec::new(),
            &kyoyu_store::Effects::NONE,
        )
        .await
        .unwrap();
    assert_eq!(status.successes.len(), 6, "{status:?}");
    assert!(status.failures.is_empty(), "{status:?}");
    let all = store
        .objects(
            hub.id,
            COLLECTION,
            &ObjectQuery {
                versions: VersionMatch::All,
                limit: 20,
                ..ObjectQuery::default()
            },
        )
        .await
        .unwrap();
    let stored: Vec<_> = all
        .objects
        .iter()
        .map(|o| (o.id.as_str(), o.version.clone()))
        .collect();
    assert_eq!(
        stored,
        vec![
            ("indicator--w", version(15)),
            ("indicator--w", version(40)),
            ("indicator--w", version(10)),
            ("indicator--x", version(20)),
            ("indicator--x", version(25)),
            ("indicator--w", version(30)),
        ],
        "each version once, in the order added"
    );
    let latest = store.objects(hub.id, COLLECTION, &query(20)).await.unwrap();
    let latest: Vec<_> = latest
        .objects
        .iter()
        .map(|o| (o.id.as_str(), o.version.clone()))
        .collect();
    assert_eq!(
        latest,
        vec![("indicator--w", version(40)), ("indicator--x", version(25))]
    );
}

/// Filters by id, type, spec version and `added_after` (strictly after), and paging by `seq` with `more`.
pub async fn queries_filter_and_page(store: &dyn Store) {
    let (hub, _, _) = hub_member_outsider(store).await;
    let who = actor(&hub);
    let first: Vec<_> = (0..5)
        .map(|n| object(&format!("indicator--{n}"), "indicator", 0))
        .collect();
    store
        .add_objects(
            hub.id,
            &who,
            COLLECTION,
            &first,
            Vec::new(),
            &kyoyu_store::Effects::NONE,
        )
        .await
        .unwrap();
    let mut second: Vec<_> = (0..5)
        .map(|n| object(&format!("malware--{n}"), "malware", 0))
        .collect();
    second[4].spec_version = "2.0".into();
    store
        .add_objects(
            hub.id,
            &who,
            COLLECTION,
            &second,
            Vec::new(),
            &kyoyu_store::Effects::NONE,
        )
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

/// The same object id in two collections is two objects, each seen only through its own collection.
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
            &kyoyu_store::Effects::NONE,
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
            &kyoyu_store::Effects::NONE,
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

/// Deleting versions (last, first, exact, all) keeps the latest version right, only the owner deletes, and every delete is audited.
pub async fn deleting_objects_keeps_the_latest_right(store: &dyn Store) {
    let (hub, member, outsider) = hub_member_outsider(store).await;
    let who = actor(&hub);
    let versions: Vec<_> = [1, 2, 3]
        .into_iter()
        .map(|m| object("indicator--d", "indicator", m))
        .collect();
    store
        .add_objects(
            hub.id,
            &who,
            COLLECTION,
            &versions,
            Vec::new(),
            &kyoyu_store::Effects::NONE,
        )
        .await
        .unwrap();
    store
        .add_objects(
            hub.id,
            &who,
            COLLECTION,
            &[object("malware--keep", "malware", 1)],
            Vec::new(),
            &kyoyu_store::Effects::NONE,
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
            &kyoyu_store::Effects::NONE,
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
            &kyoyu_store::Effects::NONE,
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

/// A deleted object's `seq` and `date_added` are never handed out again, so a client's cursor cannot skip a new object.
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
            &kyoyu_store::Effects::NONE,
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
            &kyoyu_store::Effects::NONE,
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

/// A status resource is seen only by the tenant that POSTed.
pub async fn statuses_are_seen_only_by_the_poster(store: &dyn Store) {
    let (hub, member, outsider) = hub_member_outsider(store).await;
    let status = store
        .add_objects(
            member.id,
            &actor(&member),
            COLLECTION,
            &[object("indicator--1", "indicator", 0)],
            Vec::new(),
            &kyoyu_store::Effects::NONE,
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

/// An object belongs to the tenant that first stored its id in the collection: another member's
/// version is a failure and changes nothing; the owning hub may add one (moderation); the same
/// version with other content is a failure, the same object again a success without a copy.
pub async fn objects_belong_to_their_producer(store: &dyn Store) {
    let (hub, member, _) = hub_member_outsider(store).await;
    let second = org(store, "second", OrgKind::Member).await;
    store
        .add_member(hub.id, &actor(&hub), COLLECTION, second.id)
        .await
        .unwrap();
    let add = |tenant: &kyoyu_store::Org, objects: Vec<NewObject>| {
        let tenant = tenant.clone();
        async move {
            store
                .add_objects(
                    tenant.id,
                    &actor(&tenant),
                    COLLECTION,
                    &objects,
                    Vec::new(),
                    &kyoyu_store::Effects::NONE,
                )
                .await
                .unwrap()
        }
    };
    let status = add(&member, vec![object("indicator--own", "indicator", 0)]).await;
    assert_eq!(status.successes.len(), 1);
    let status = add(&second, vec![object("indicator--own", "indicator", 5)]).await;
    assert!(status.successes.is_empty(), "{status:?}");
    let message = status.failures[0].message.clone().unwrap_or_default();
    assert!(message.contains("another producer"), "{message}");
    let mut changed = object("indicator--own", "indicator", 0);
    changed.json = changed
        .json
        .replace("indicator--own\"", "indicator--own\",\"name\":\"x\"");
    let status = add(&member, vec![changed]).await;
    assert!(
        status.successes.is_empty(),
        "same version, other content: {status:?}"
    );
    let status = add(&member, vec![object("indicator--own", "indicator", 0)]).await;
    assert_eq!(
        status.successes.len(),
        1,
        "the same object again is a success"
    );
    let status = add(&hub, vec![object("indicator--own", "indicator", 9)]).await;
    assert_eq!(status.successes.len(), 1, "the owning hub moderates");
    let query = ObjectQuery {
        ids: vec!["indicator--own".into()],
        versions: VersionMatch::All,
        limit: 10,
        ..ObjectQuery::default()
    };
    let page = store.objects(hub.id, COLLECTION, &query).await.unwrap();
    let versions: Vec<_> = page.objects.iter().map(|o| o.version.clone()).collect();
    assert_eq!(versions, vec![version(0), version(9)]);
}
