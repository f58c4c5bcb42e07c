//! The hub's submissions (`kyoyu_store::hub`): kept under their pseudonym and tenant, paged for
//! the rebuild, found by receipt; provenance only with consent, and every lookup audited.

use kyoyu_store::{AuditAction, HubSubmission, OrgKind, Store, StoreError};

use crate::fixtures::{actor, org};

fn submission(id: &str, pseudonym: &str, consent_name: bool) -> HubSubmission {
    HubSubmission {
        id: id.to_owned(),
        pseudonym: pseudonym.to_owned(),
        day: 20_424,
        sector: Some("manufacturing".into()),
        region: None,
        size_band: Some("large".into()),
        consent_name,
        consent_credit: false,
        indicators: serde_json::json!([{"type": "domain-name", "value": "c2.evil.example"}]),
        receipt_hash: format!(
            "{:0>64}",
            id.bytes().map(|b| format!("{b:02x}")).collect::<String>()
        ),
    }
}

/// A submission round-trips, pages in id order, is found by its receipt, refuses a second
/// submission with its id or receipt, and is nobody else's.
pub async fn hub_submissions_are_kept_under_their_pseudonym_and_tenant(store: &dyn Store) {
    let hub = org(store, "hub", OrgKind::Hub).await;
    let other = org(store, "other-hub", OrgKind::Hub).await;
    let member = org(store, "member", OrgKind::Victim).await;
    let subs: Vec<HubSubmission> = ["sub-c", "sub-a", "sub-b"]
        .iter()
        .map(|id| submission(id, "m-00000000000000000001", false))
        .collect();
    for s in &subs {
        store.hub_add_submission(hub.id, s, None).await.unwrap();
    }
    let page = store.hub_submissions(hub.id, None, 2).await.unwrap();
    assert_eq!(
        page.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
        ["sub-a", "sub-b"]
    );
    assert_eq!(page[0], subs[1], "every field as stored");
    let rest = store
        .hub_submissions(hub.id, Some("sub-b"), 10)
        .await
        .unwrap();
    assert_eq!(rest, vec![subs[0].clone()]);
    assert_eq!(
        store
            .hub_submission_by_receipt(hub.id, &subs[2].receipt_hash)
            .await
            .unwrap(),
        Some(subs[2].clone())
    );
    // taken id, taken receipt: refused whole
    let mut again = subs[0].clone();
    again.receipt_hash = "f".repeat(64);
    assert!(matches!(
        store.hub_add_submission(hub.id, &again, None).await,
        Err(StoreError::Conflict(_))
    ));
    let mut same_receipt = submission("sub-d", "m-2", false);
    same_receipt.receipt_hash = subs[0].receipt_hash.clone();
    assert!(matches!(
        store.hub_add_submission(hub.id, &same_receipt, None).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        store.hub_submissions(hub.id, None, 10).await.unwrap().len(),
        3
    );
    // another tenant sees none of it, not even by receipt
    assert!(
        store
            .hub_submissions(other.id, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .hub_submissions(member.id, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .hub_submission_by_receipt(other.id, &subs[2].receipt_hash)
            .await
            .unwrap(),
        None
    );
}

/// A provenance record exists only where the member consented to being named; each lookup,
/// named or not, is an entry in the hub's trail; another tenant learns nothing.
pub async fn provenance_is_kept_only_with_consent_and_every_lookup_is_audited(store: &dyn Store) {
    let hub = org(store, "hub", OrgKind::Hub).await;
    let other = org(store, "other-hub", OrgKind::Hub).await;
    let member = org(store, "member", OrgKind::Victim).await;
    let analyst = actor(&hub);
    // without consent there is no record to write
    assert!(matches!(
        store
            .hub_add_submission(hub.id, &submission("sub-1", "m-1", false), Some(member.id))
            .await,
        Err(StoreError::Invalid(_))
    ));
    assert!(
        store
            .hub_submissions(hub.id, None, 10)
            .await
            .unwrap()
            .is_empty(),
        "nothing half written"
    );
    store
        .hub_add_submission(hub.id, &submission("sub-1", "m-1", false), None)
        .await
        .unwrap();
    store
        .hub_add_submission(hub.id, &submission("sub-2", "m-1", true), Some(member.id))
        .await
        .unwrap();
    assert_eq!(
        store
            .hub_provenance(hub.id, &analyst, "sub-1")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .hub_provenance(hub.id, &analyst, "sub-2")
            .await
            .unwrap(),
        Some(member.id)
    );
    assert_eq!(
        store
            .hub_provenance(other.id, &actor(&other), "sub-2")
            .await
            .unwrap(),
        None,
        "another hub cannot read this hub's provenance"
    );
    let trail = store.audit_entries(hub.id, 0, 100).await.unwrap();
    let reads: Vec<serde_json::Value> = trail
        .iter()
        .filter_map(|e| serde_json::from_str::<serde_json::Value>(&e.action).ok())
        .filter(|a| a.to_string().contains("provenance_read"))
        .collect();
    assert_eq!(reads.len(), 2, "{trail:?}");
    let expected = [
        AuditAction::ProvenanceRead {
            submission: "sub-1".into(),
            named: false,
        },
        AuditAction::ProvenanceRead {
            submission: "sub-2".into(),
            named: true,
        },
    ];
    for (read, action) in reads.iter().zip(expected) {
        assert_eq!(read, &serde_json::to_value(&action).unwrap());
    }
    assert!(
        trail
            .iter()
            .all(|e| e.actor == analyst.who || !e.action.contains("provenance"))
    );
}
