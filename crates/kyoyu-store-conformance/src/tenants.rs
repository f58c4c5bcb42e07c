//! The cases on who sees what: organizations and tokens (the registry), incidents, vendor
//! consents, and communities with their members.
//!
//! Key decision: another tenant's record is "not found", never "forbidden" — each case checks
//! that a tenant cannot act on, nor learn of, what is not its own.

use kyoyu_store::{
    Org, OrgId, OrgKind, Part, RequestKey, SavedResponse, Standing, Store, StoreError,
};
use serde_json::json;

use crate::fixtures::*;

/// Organization names are unique; lookups by name and id find exactly the created ones.
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

/// A token is stored with its hash, needs an existing organization, and only its own tenant can revoke it (once: the first time stays).
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

/// An incident is invisible to other tenants, and the same id in another tenant is another incident.
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

/// An incident reads back as written, grows by appending in order, and a write against an old version is `Stale`.
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

/// Vendor consents are granted (idempotently) and withdrawn, and only toward existing organizations.
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

/// A community is seen by its owner and members only, and only the owner manages its members.
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

/// An idempotency key is claimed by its request's first write, in that write's transaction: a
/// write of another request with the key is refused whole (`KeyInUse`, nothing written), a
/// second write of the same request goes through; the key, its fingerprint and the saved
/// response are the organization's alone.
pub async fn an_idempotency_key_is_claimed_once(store: &dyn Store) {
    let victim = org(store, "victim", OrgKind::Victim).await;
    let other = org(store, "other", OrgKind::Victim).await;
    let keyed = |request: &str| {
        let mut actor = actor(&victim);
        actor.request = Some(RequestKey {
            key: "retry-1".into(),
            fingerprint: "f".repeat(64),
            request: request.into(),
        });
        actor
    };
    let first = keyed("request-a");
    store
        .create_incident(victim.id, &first, &incident("INC-K1"))
        .await
        .expect("the first request writes");
    store
        .create_incident(victim.id, &first, &incident("INC-K2"))
        .await
        .expect("a second write of the same request");
    let refused = store
        .create_incident(victim.id, &keyed("request-b"), &incident("INC-K3"))
        .await;
    assert!(
        matches!(refused, Err(StoreError::KeyInUse(_))),
        "{refused:?}"
    );
    let ids: Vec<String> = store
        .incidents(victim.id)
        .await
        .unwrap()
        .into_iter()
        .map(|summary| summary.id)
        .collect();
    assert_eq!(ids.len(), 2, "nothing of the refused request: {ids:?}");
    let kept = store
        .keyed_request(victim.id, "retry-1")
        .await
        .unwrap()
        .expect("kept");
    assert_eq!(
        (kept.request.as_str(), kept.response.is_none()),
        ("request-a", true)
    );
    assert!(
        store
            .keyed_request(other.id, "retry-1")
            .await
            .unwrap()
            .is_none()
    );
    let response = SavedResponse {
        status: 201,
        content_type: "application/json".into(),
        body: "{\"id\":\"INC-K1\"}".into(),
    };
    let key = first.request.clone().expect("key");
    assert!(
        store
            .save_response(victim.id, &key, &response)
            .await
            .unwrap()
    );
    assert!(
        !store
            .save_response(other.id, &key, &response)
            .await
            .unwrap(),
        "another organization saves nothing under it"
    );
    let kept = store
        .keyed_request(victim.id, "retry-1")
        .await
        .unwrap()
        .expect("kept");
    assert_eq!(kept.response, Some(response));
}
