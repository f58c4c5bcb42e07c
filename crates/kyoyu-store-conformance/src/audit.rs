//! The cases on the audit log: every change is one entry of one intact hash chain, readable
//! whole, page by page, and per tenant.
//!
//! Key decision: the backend-independent half of tamper evidence lives here (a reordered read
//! is found by `verify_chain`); editing the stored rows is backend-specific and is tested beside
//! each backend.

use kyoyu_store::audit::GENESIS;
use kyoyu_store::{
    AuditAction, ChainBreak, Org, OrgId, OrgKind, Part, Store, VersionMatch, verify_chain,
};
use serde_json::json;

use crate::fixtures::*;

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
            &kyoyu_store::Effects {
                outflows: &[released.clone(), released],
                jobs: &[],
            },
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

/// Every change is one entry of one intact hash chain, read whole or page by page; a tenant reads only its own entries.
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

/// A reordered read of the log is reported as a chain break.
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
